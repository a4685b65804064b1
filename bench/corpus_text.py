"""The hand-written text bench/corpus.py writes articles from: countries (towns, actors, sources, background),
names, outlets, event kinds, and per kind the titles, leads and details, with quotes and padding.

Every town resolves to its province in the project's gazetteer and every actor is one the coder's
dictionary knows, so a generated article codes the way its template says.
"""

from __future__ import annotations

import re

# Per country: name, demonym, admin1 unit word, dateline bureaus, "Town:Province" list (every town resolves
# to that province in the project's gazetteer), then actors and sources by role ("|"-separated).
# Sloviansk and Pokrovsk are left out: the gazetteer resolves them to Nikopol and to Engels (Russia).
COUNTRIES = {
    "SY": dict(name="Syria", dem="Syrian", unit="province", bureaus="BEIRUT|AMMAN|ISTANBUL", names="arab",
               towns="Aleppo:Aleppo, Azaz:Aleppo, Al-Bab:Aleppo, Manbij:Aleppo, Afrin:Aleppo, Idlib:Idlib, Saraqib:Idlib, Ariha:Idlib, Maarat al-Numan:Idlib, Jisr al-Shughur:Idlib, Hama:Hama, Homs:Homs, "
                     "Palmyra:Homs, Raqqa:Raqqa, Tabqa:Raqqa, Deir ez-Zor:Deir ez-Zor, Mayadin:Deir ez-Zor, Qamishli:Hasakah, Daraa:Daraa, Douma:Rif Dimashq, Latakia:Latakia, Sweida:Sweida",
               air="Russian warplanes|Syrian government warplanes|Israeli jets|US-led coalition aircraft", drone="Turkish drones|a Turkish drone|Israeli drones",
               shell="Syrian government forces|Turkish forces|Syrian army units", state="Syrian government forces|Syrian army troops|Kurdish-led Syrian Democratic Forces",
               rebel="Islamic State militants|Hayat Tahrir al-Sham fighters|Turkish-backed rebels", bomber="Islamic State", killers="unidentified gunmen|Islamic State militants|gunmen on motorcycles",
               police="Syrian security forces|internal security forces", talks="Syrian government and Kurdish-led SDF representatives|Turkish, Russian and Iranian envoys", venue="Geneva|Astana|Amman",
               src="the Syrian Observatory for Human Rights said|the White Helmets rescue group said|local medics said|activists on the ground said",
               background=["Syria's war began in 2011, when a crackdown on dissent spiralled into a conflict that drew in Russia, Iran, Turkey and the United States.",
                           "The war has killed hundreds of thousands of people and displaced roughly half of the country's pre-war population, many of them more than once.",
                           "More than 16 million people across Syria depend on humanitarian aid, according to the United Nations, and the economy has collapsed under years of sanctions.",
                           "The northeast is run by Kurdish-led authorities, while Turkish-backed factions hold a strip of territory along the northern border."]),
    "IQ": dict(name="Iraq", dem="Iraqi", unit="province", bureaus="BAGHDAD|ERBIL", names="arab",
               towns="Mosul:Nineveh, Sinjar:Nineveh, Kirkuk:Kirkuk, Tikrit:Salahuddin, Samarra:Salahuddin, Fallujah:Anbar, Ramadi:Anbar, "
                     "Baqubah:Diyala, Baghdad:Baghdad, Basra:Basra, Nasiriyah:Dhi Qar, Duhok:Duhok, Sulaymaniyah:Sulaymaniyah",
               air="Turkish warplanes|Iraqi F-16 jets|US-led coalition aircraft", drone="Turkish drones|a Turkish drone|an armed drone",
               shell="Turkish forces|Iraqi army units", state="Iraqi security forces|Iraqi army troops|Kurdish Peshmerga forces|Popular Mobilization Forces fighters",
               rebel="Islamic State militants|PKK fighters", bomber="Islamic State", killers="Islamic State militants|unidentified gunmen",
               police="Iraqi police|Iraqi security forces", talks="Iraqi and Turkish officials|officials from Baghdad and the Kurdistan Regional Government", venue="Baghdad|Ankara",
               src="security sources said|a police officer told reporters|the Iraqi military said in a statement|local health officials said",
               background=["Iraq declared victory over Islamic State in late 2017, but sleeper cells remain active in a rugged belt stretching from Diyala through Kirkuk and Salahuddin.",
                           "Turkey regularly mounts operations against Kurdistan Workers Party militants in Iraq's mountainous north, straining relations with Baghdad.",
                           "Anger over corruption, unemployment and poor public services has simmered for years in the oil-rich but neglected south of the country.",
                           "Powerful armed factions, some of them aligned with Iran, sit inside the state's security apparatus and answer to their own commanders."]),
    "YE": dict(name="Yemen", dem="Yemeni", unit="province", bureaus="ADEN|DUBAI|CAIRO", names="arab",
               towns="Hodeidah:Hodeidah, Taiz:Taizz, Marib:Marib, Aden:Aden, Sanaa:Sanaa, Saada:Sadah, Mukalla:Hadramawt, Zinjibar:Abyan, Ataq:Shabwah",
               air="Saudi-led coalition warplanes|US and British warplanes|Israeli jets", drone="Houthi drones|a Houthi drone|a US drone",
               shell="Houthi rebels|Houthi forces", state="Yemeni government forces|Giants Brigades fighters|Southern Transitional Council forces",
               rebel="Houthi rebels|al-Qaeda in the Arabian Peninsula militants", bomber="al-Qaeda in the Arabian Peninsula", killers="Houthi fighters|unidentified gunmen",
               police="Houthi security forces|Yemeni security forces", talks="Houthi and Saudi officials|Yemeni government and Houthi negotiators", venue="Muscat|Riyadh",
               src="medical sources said|local officials said|Houthi-run Al Masirah TV reported|a government military spokesman said",
               background=["Yemen's war pits the Iran-aligned Houthi movement, which holds the capital Sanaa and much of the north, against a government backed by a Saudi-led coalition.",
                           "The war has killed tens of thousands of people and left much of the population dependent on aid, in what the United Nations calls one of the world's worst humanitarian crises.",
                           "Front lines around Marib, Taiz and the Red Sea coast have barely moved in recent years, and talks on reopening roads have repeatedly stalled.",
                           "The country's currency has lost most of its value, and public-sector salaries have gone unpaid for long stretches."]),
    "AF": dict(name="Afghanistan", dem="Afghan", unit="province", bureaus="KABUL|ISLAMABAD", names="afghan",
               towns="Kabul:Kabul, Kandahar:Kandahar, Jalalabad:Nangarhar, Kunduz:Kunduz, Herat:Herat, Mazar-i-Sharif:Balkh, Lashkar Gah:Helmand, Ghazni:Ghazni, Khost:Khost, Maimana:Faryab, Taloqan:Takhar",
               air="Pakistani warplanes|Pakistani military aircraft", drone="an armed drone|Pakistani military drones",
               shell="Pakistani forces|Taliban forces", state="Taliban forces|Taliban security forces",
               rebel="Islamic State Khorasan militants|National Resistance Front fighters", bomber="Islamic State Khorasan Province", killers="unidentified gunmen|Islamic State Khorasan militants",
               police="Taliban police|Taliban intelligence officers", talks="Taliban officials and Pakistani diplomats|Taliban representatives and UN envoys", venue="Doha|Tashkent",
               src="a provincial police spokesman said|local officials said|the Taliban's interior ministry said|a hospital official said",
               background=["The Taliban seized power in Afghanistan in August 2021 as US-led forces completed their withdrawal after two decades of war.",
                           "The Islamic State's regional affiliate has become the main armed challenge to Taliban rule, targeting religious minorities and Taliban officials.",
                           "No country has formally recognised the Taliban administration, and restrictions on women's work and education have deepened its isolation.",
                           "Relations with Pakistan have soured over Islamabad's accusations that militants operate from Afghan soil, which Kabul denies."]),
    "NG": dict(name="Nigeria", dem="Nigerian", unit="state", bureaus="ABUJA|LAGOS|KANO", names="nigeria",
               towns="Maiduguri:Borno, Bama:Borno, Gwoza:Borno, Monguno:Borno, Damboa:Borno, Konduga:Borno, Kaduna:Kaduna, Zaria:Kaduna, "
                     "Gusau:Zamfara, Katsina:Katsina, Jos:Plateau, Makurdi:Benue, Damaturu:Yobe, Lagos:Lagos, Kano:Kano",
               air="Nigerian Air Force jets|military aircraft", drone="a military drone|Nigerian Air Force drones",
               shell="Islamic State West Africa Province fighters|Boko Haram fighters", state="Nigerian troops|Nigerian soldiers|Civilian Joint Task Force members",
               rebel="Boko Haram fighters|ISWAP militants|armed bandits", bomber="Boko Haram", killers="armed bandits|gunmen|Boko Haram militants|suspected herders",
               police="Nigerian police|the Department of State Services", talks="Nigerian and Chadian officials|state governors and community leaders", venue="Abuja|N'Djamena",
               src="residents and security sources said|the Nigerian army said in a statement|a local government official said|police spokesman Abubakar Adamu said",
               background=["The jihadist insurgency in Nigeria's northeast began in 2009 and has since spread into neighbouring Niger, Chad and Cameroon.",
                           "The conflict has killed more than 40,000 people and displaced around two million in the northeast, according to the United Nations.",
                           "In the northwest, criminal gangs known locally as bandits raid villages, steal cattle and seize people for ransom.",
                           "Security forces are stretched thin across the country, and residents in remote areas often rely on vigilante groups for protection."]),
    "SO": dict(name="Somalia", dem="Somali", unit="region", bureaus="MOGADISHU|NAIROBI", names="somali",
               towns="Mogadishu:Banadir, Baidoa:Bay, Kismayo:Lower Juba, Beledweyne:Hiran, Afgoye:Lower Shabelle, Jowhar:Middle Shabelle, Marka:Lower Shabelle, Galkayo:Mudug, Bosaso:Bari",
               air="US military aircraft|Somali and partner aircraft", drone="a US drone|Turkish drones",
               shell="al-Shabaab militants|al-Shabaab fighters", state="Somali National Army troops|Somali forces|African Union troops",
               rebel="al-Shabaab militants|al-Shabaab fighters", bomber="al-Shabaab", killers="al-Shabaab militants|gunmen|clan militiamen",
               police="Somali police|the National Intelligence and Security Agency", talks="Somali federal and regional leaders|Somali and Ethiopian officials", venue="Nairobi|Ankara",
               src="a police officer said|local elders said|the Somali National News Agency reported|an ambulance service official said",
               background=["Al-Shabaab has waged an insurgency against Somalia's central government for more than 15 years and still controls large parts of the countryside.",
                           "The group was pushed out of Mogadishu in 2011 but retains the ability to carry out deadly operations in the capital.",
                           "An African Union mission supports government troops, and the United States conducts regular operations against the militants.",
                           "Drought and floods have repeatedly pushed millions of Somalis to the brink of famine in recent years."]),
    "SD": dict(name="Sudan", dem="Sudanese", unit="state", bureaus="CAIRO|NAIROBI|PORT SUDAN", names="arab",
               towns="Khartoum:Khartoum, Omdurman:Khartoum, El Fasher:North Darfur, Nyala:South Darfur, El Geneina:West Darfur, Wad Madani:Al Jazirah, El Obeid:North Kordofan, Kadugli:South Kordofan, Gedaref:Gedaref",
               air="Sudanese army warplanes|Sudanese military aircraft", drone="RSF drones|a drone launched by the RSF",
               shell="the paramilitary Rapid Support Forces|RSF fighters|the Sudanese army", state="Sudanese army troops|the Sudanese Armed Forces",
               rebel="RSF fighters|the Rapid Support Forces", bomber="", killers="RSF fighters|armed men on motorbikes|Arab militias allied with the RSF",
               police="Sudanese police|military intelligence officers", talks="delegations from the Sudanese army and the RSF|US, Saudi and Egyptian mediators", venue="Jeddah|Geneva",
               src="the Sudan Doctors Network said|a local emergency response room said|activists said|a medical source said",
               background=["War broke out in Sudan in April 2023 between the army and the paramilitary Rapid Support Forces, rivals who had jointly seized power in a 2021 coup.",
                           "The war has killed tens of thousands of people and uprooted more than 12 million, in what aid agencies describe as the world's largest displacement crisis.",
                           "Famine has been confirmed in several areas of Darfur and Kordofan, where aid deliveries are routinely blocked.",
                           "Several rounds of talks mediated by the United States and Saudi Arabia have failed to halt the war."]),
    "UA": dict(name="Ukraine", dem="Ukrainian", unit="region", bureaus="KYIV|LVIV", names="ukraine",
               towns="Kharkiv:Kharkiv, Kherson:Kherson, Zaporizhzhia:Zaporizhzhia, Odesa:Odesa, Dnipro:Dnipropetrovsk, Kramatorsk:Donetsk, Bakhmut:Donetsk, Kostiantynivka:Donetsk, "
                     "Izium:Kharkiv, Orikhiv:Zaporizhzhia, Sumy:Sumy, Chernihiv:Chernihiv, Mykolaiv:Mykolaiv, Kupiansk:Kharkiv, Nikopol:Dnipropetrovsk, Kyiv:Kyiv",
               air="Russian warplanes|Russian jets", drone="Russian drones|Russian attack drones|a Russian drone",
               shell="Russian forces|Russian troops", state="Ukrainian troops|Ukrainian forces",
               rebel="Russian forces|Russian troops", bomber="", killers="Russian soldiers",
               police="Ukraine's SBU security service|Ukrainian police", talks="Ukrainian and Russian negotiators|Ukrainian and US officials", venue="Istanbul|Riyadh|Geneva",
               src="the regional governor said on Telegram|Ukrainian officials said|the State Emergency Service said|the local prosecutor's office said",
               background=["Russia launched its full-scale invasion of Ukraine in February 2022 and occupies roughly a fifth of the country's territory.",
                           "Moscow says it targets military and energy infrastructure, while Kyiv accuses it of deliberately terrorising civilians.",
                           "Ukraine's energy grid has been badly damaged, forcing rolling power cuts in many cities over the winter months.",
                           "Efforts by Washington to broker an end to the war have produced prisoner exchanges but no lasting halt to hostilities."]),
    "CD": dict(name="Democratic Republic of Congo", short="DR Congo", dem="Congolese", unit="province", bureaus="KINSHASA|NAIROBI|KIGALI", names="congo",
               towns="Goma:Nord-Kivu, Beni:Nord-Kivu, Butembo:Nord-Kivu, Rutshuru:Nord-Kivu, Sake:Nord-Kivu, Bunia:Ituri, Bukavu:Sud-Kivu, Uvira:Sud-Kivu, Kinshasa:Kinshasa",
               air="Congolese army jets|Congolese military aircraft", drone="Congolese army drones|an armed drone",
               shell="M23 rebels|the Congolese army", state="Congolese troops|Congolese army soldiers|Wazalendo militiamen",
               rebel="M23 rebels|ADF rebels|CODECO militiamen", bomber="ADF", killers="suspected ADF rebels|CODECO militiamen|armed men",
               police="Congolese police|Congolese military intelligence", talks="Congolese government and M23 representatives|Congolese and Rwandan foreign ministers", venue="Doha|Washington|Luanda",
               src="local civil society leaders said|a local official told reporters|the army said in a statement|a UN source said",
               background=["Eastern DR Congo has been plagued by violence for three decades, with more than 100 armed groups competing for land, power and mineral wealth.",
                           "The M23 rebel group, which UN experts say is backed by Rwanda, has taken control of large parts of North and South Kivu since 2022.",
                           "Rwanda denies backing the rebels and accuses the Congolese army of working with a militia founded by perpetrators of the 1994 genocide.",
                           "More than seven million people are displaced in DR Congo, many of them living in crowded camps around Goma and Bunia."]),
    "ML": dict(name="Mali", dem="Malian", unit="region", bureaus="BAMAKO|DAKAR|NIAMEY", names="mali",
               towns="Bamako:Bamako, Gao:Gao, Timbuktu:Timbuktu, Mopti:Mopti, Menaka:Menaka, Kidal:Kidal, Segou:Segou, Djenne:Mopti, Niono:Segou, Kati:Koulikoro, Douentza:Mopti, Bandiagara:Mopti",
               air="Malian army aircraft|Malian military jets", drone="Malian army drones|a Malian army drone",
               shell="JNIM fighters|jihadist fighters", state="Malian troops|Malian soldiers and Russian mercenaries",
               rebel="JNIM fighters|Islamic State Sahel militants|Azawad Liberation Front rebels", bomber="JNIM", killers="suspected jihadists|unidentified gunmen|JNIM fighters",
               police="Malian security forces|Malian gendarmes", talks="Malian officials and Algerian mediators|Malian and Burkinabe ministers", venue="Algiers|Niamey",
               src="local sources said|an elected official said|security sources said|a hospital worker said",
               background=["Mali has been ruled by a military junta since coups in 2020 and 2021, and has turned away from France towards Russia for security support.",
                           "Jihadist groups linked to al Qaeda and Islamic State control large rural areas of central and northern Mali and impose blockades on towns.",
                           "The United Nations peacekeeping mission left Mali at the end of 2023 at the junta's request, leaving gaps in security across the north.",
                           "Fuel shortages caused by militant blockades of supply routes have disrupted daily life in Bamako and other cities."]),
}
for _c in COUNTRIES.values():  # "Town:Province, ..." -> [(town, province)] and role strings -> tuples, once
    _c["towns"] = [tuple(item.split(":")) for item in _c["towns"].split(", ")]
    _c.setdefault("short", _c["name"])
    _c["names_it"] = re.compile(rf"\b(?:{re.escape(_c['short'])}|{_c['dem']})\b").search  # "Somali", not "Somalis"
    _c["named"] = [b for b in _c["background"] if _c["names_it"](b)]  # see _article
    if not _c["named"]:
        raise ValueError(f"{_c['name']}: no background sentence names the country")
    for _role in ("bureaus", "air", "drone", "shell", "state", "rebel", "killers", "police", "talks", "venue", "src"):
        _c[_role] = tuple(_c[_role].split("|"))
del _c, _role

PEOPLE = {  # witnesses and doctors quoted in the text, by the country's naming tradition
    "arab": "Ahmed Hassan|Khaled Omar|Yousef Haddad|Omar Saleh|Ali Hussein|Fatima Ibrahim|Rania Khalil|Samir Nasser|Layla Mansour|Hussein Jaber",
    "afghan": "Abdul Wahid Ahmadzai|Gul Rahman|Noorullah Safi|Zarmina Haidari|Farid Ahmadi|Mohammad Naeem",
    "nigeria": "Musa Ibrahim|Aisha Bello|Abubakar Lawan|Bulama Kyari|Emeka Okafor|Ibrahim Gambo",
    "somali": "Abdi Farah|Hodan Ali|Mohamed Nur|Ahmed Warsame|Fadumo Hassan|Abdirahman Yusuf",
    "ukraine": "Oleksandr Kovalenko|Iryna Shevchuk|Mykola Bondar|Olena Marchenko|Serhiy Tkachenko|Natalia Kravets",
    "congo": "Jean-Paul Mumbere|Esperance Kahindo|Patrick Kambale|Grace Masika|Didier Bahati|Justin Paluku",
    "mali": "Moussa Traore|Aminata Coulibaly|Boubacar Diallo|Fatoumata Keita|Oumar Maiga|Hamadoun Cisse",
}
PEOPLE = {k: tuple(v.split("|")) for k, v in PEOPLE.items()}

# Reporter names for the sign-off line. Every article gets a distinct (reporter, co-reporter) pair, so
# every text is distinct (the pipeline dedupes by sha256 of the text) without any state across calls.
FIRST = ("Aziz Maya Tom John Sarah Ali Lina Omar Nadia Peter Jonathan Ayman Dawit Giulia Hamid Elias Rami Claire Yara Felix "
         "Mustafa Ruth Kareem Anna Samuel Leila Daniel Amina Lucas Nour Ibrahim Emma Tarek Grace Victor Hana Pavel Fatou Idriss Maria "
         "Yusuf Olga Michael Salma Ahmad Ines Khalid Zeinab Robert Camille").split()
LAST = ("Mohammed Perry Lewis Hafezi Bassam Kalin Abdelaziz Nichols Rasheed Azhari Graham Nebehay Obaji Kadhim Stewart Gebre "
        "Landay Sharafedin Kiyada Lawal Irish Bayoumy Maclean Pelz Dahir Pinchuk Shishkin Diallo Rose Sezer Polityuk Paravicini "
        "Tawfeeq Yaakoubi Ross Mcdowall Malsin Kambere Toure Hashem").split()
EDITORS = ("Alex Richardson", "William Maclean", "Frances Kerry", "Nick Macfie", "Gareth Jones", "Andrew Heavens", "Alison Williams", "Peter Graff")

# name, host, dateline style (None: the outlet prints no dateline)
SOURCES = (("Reuters", "reuters.com", "reuters"), ("AFP", "france24.com", "afp"), ("Associated Press", "apnews.com", "ap"),
           ("Al Jazeera", "aljazeera.com", None), ("Anadolu Agency", "aa.com.tr", None), ("Xinhua", "english.news.cn", "xinhua"),
           ("The New Humanitarian", "thenewhumanitarian.org", None), ("Middle East Eye", "middleeasteye.net", None))

# Event kinds: (weight, countries where it fits). Diplomacy ("talks") articles report no event.
KINDS = {
    "air": (12, "SY IQ YE AF NG SO SD UA CD ML"), "drone": (10, "SY IQ YE SO SD UA CD ML"), "shell": (10, "SY IQ YE SD UA CD SO ML"),
    "clash": (14, "SY IQ YE AF NG SO SD UA CD ML"), "ied": (8, "SY IQ AF NG SO CD ML"), "suicide": (5, "SY IQ AF NG SO ML"),
    "protest": (8, "SY IQ YE AF NG SO SD UA CD ML"), "riot": (4, "IQ NG CD ML SO"), "arrest": (6, "SY IQ YE AF NG SO SD UA CD ML"),
    "abduct": (6, "NG SO SD CD ML IQ"), "civ": (9, "SY YE AF NG SO SD CD ML"), "talks": (8, "SY IQ YE AF NG SO SD UA CD ML"),
}
# Per kind: which actor list acts (default: the police), the range of the lead's count, the quotes' mood.
ROLE = {"air": "air", "drone": "drone", "shell": "shell", "clash": "state", "ied": "rebel", "suicide": "rebel",
        "abduct": "killers", "civ": "killers", "talks": "talks"}
COUNT_RANGE = {"arrest": (3, 40), "abduct": (2, 60), "civ": (3, 45), "clash": (4, 40)}
MOOD = {"talks": "talks", "protest": "crowd", "riot": "crowd", "arrest": "arrest", "clash": "fighting", "abduct": "raid", "civ": "raid"}

# Templates per kind: titles, leads (the sentence the coder must code), details. Slots: {perp} who acted,
# {foe} the other side, {where} place phrase, {when} day phrase, {kn} killed count, {wn} wounded, {src}
# attribution, {target}, {town}, {prov}, {unit}, {country}, {dem}, {crowd}, {why} grievance, {N} digits.
T = {
    "air": (["Air strikes kill {N} in {country}'s {prov}", "Warplanes pound {town}, {N} dead", "{N} killed in air raid on {town} {target_short}"],
            ["{perp} struck {target} {where} {when}, killing {kn} {kv} and wounding {wn} others, {src}.",
             "{kn} {kv} were killed {when} when {perp} bombed {target} {where}, {src}.",
             "Air strikes carried out by {perp} hit {target} {where} {when}, killing {kn} {kv}, {src}."],
            ["Rescue workers were still digging through the rubble of collapsed buildings late into the night, searching for survivors.",
             "Images shared by residents showed flattened shops and burnt-out cars on the main street near the site of the strike.",
             "The wounded were taken to hospitals in {town2}, where doctors appealed for blood donations."]),
    "drone": (["Drone strike kills {N} in {town}", "{N} dead after drone hits {target_short} in {country}'s {prov}"],
              ["{perp} hit {target} {where} {when}, killing {kn} {kv}, {src}.",
               "{kn} {kv} were killed {when} in a drone strike on {target} {where}, {src}.",
               "A drone attack on {target} {where} {when}, blamed on {perp}, killed {kn} {kv} and injured {wn}, {src}."],
              ["Residents said they had heard drones circling overhead for more than an hour before the explosion.",
               "The strike left a crater in the road and shattered windows in surrounding homes, residents said.",
               "The wounded were taken to hospitals in {town2}, where doctors appealed for blood donations."]),
    "shell": (["Shelling kills {N} in {town}", "{N} killed as shells hit {town} {target_short}"],
              ["{perp} shelled {target} {where} {when}, killing {kn} {kv}, {src}.",
               "{kn} {kv} were killed and {wn} wounded {when} when shells fired by {perp} landed on {target} {where}, {src}.",
               "Artillery fire from {perp} hit {target} {where} {when}, killing {kn} {kv}, {src}."],
              ["The shelling continued for several hours, forcing families to shelter in basements.",
               "Residents said the shells fell without warning as people queued for bread in the morning.",
               "Local authorities said water and power supplies to parts of {town} had been cut."]),
    "clash": (["{N} killed in fighting near {town}", "Clashes erupt in {country}'s {prov}, {N} dead"],
              ["{kn} fighters were killed {when} in clashes between {perp} and {foe} {where}, {src}.",
               "{perp} clashed with {foe} {where} {when} in fighting that left {kn} combatants dead, {src}.",
               "Heavy fighting broke out {where} {when} after {foe} attacked positions held by {perp}, killing {kn} soldiers, {src}."],
              ["The fighting lasted several hours before the attackers withdrew towards surrounding villages, residents said.",
               "Both sides brought more fighters into the area, and the main road to {town2} was closed to traffic.",
               "Hundreds of families fled the surrounding villages as the gunfire drew closer, according to aid workers."]),
    "ied": (["Roadside bomb kills {N} in {town}", "Bomb blast hits {target_short} in {country}'s {prov}"],
            ["A roadside bomb struck {vehicle} {where} {when}, killing {kn} {kv}, {src}.",
             "{kn} {kv} were killed {when} when an explosive device planted near {target} went off {where}, {src}.",
             "A car bomb exploded near {target} {where} {when}, killing {kn} {kv} and wounding {wn}, {src}."],
            ["No group immediately claimed responsibility, but {foe} operate in the area and have used similar devices before.",
             "Security forces sealed off the area and searched nearby homes after the explosion.",
             "The blast damaged several shops and vehicles parked along the street, witnesses said."]),
    "suicide": (["Suicide bombing kills {N} in {town}", "{bomber} claims suicide attack in {country}'s {prov}"],
                ["A suicide bomber blew himself up at {target} {where} {when}, killing {kn} {kv}, {src}.",
                 "{kn} {kv} were killed {when} when a suicide bomber detonated his explosive vest at {target} {where}, {src}.",
                 "A suicide car bomber rammed {vehicle} {where} {when}, killing {kn} {kv}, {src}."],
                ["{bomber} claimed responsibility for the bombing in a statement posted on its propaganda channels.",
                 "Security forces sealed off the area and searched nearby homes after the explosion.",
                 "It was one of the deadliest bombings in {prov} {unit} in months, residents said."]),
    "protest": (["Protesters rally in {town} over {why_short}", "Hundreds demonstrate in {country}'s {town}"],
                ["{crowd} protesters took to the streets of {town} {when} in anger over {why}, {src}.",
                 "{crowd} people rallied {where} {when} against {why}, chanting slogans and carrying banners.",
                 "Police fired tear gas to disperse {crowd} demonstrators who had gathered {where} {when} to protest against {why}."],
                ["Shops in the town centre stayed closed for most of the day, and organisers said they would return the following week.",
                 "The crowd carried banners criticising local officials and blocked a main road for several hours.",
                 "Organisers said the gathering was peaceful and called on the authorities to open a dialogue."]),
    "riot": (["Riots erupt in {town} over {why_short}", "Youths torch tyres in {town} unrest"],
             ["Angry youths burned tyres and clashed with police {where} {when} during protests over {why}, {src}.",
              "Rioters set fire to a police station {where} {when} after days of anger over {why}, {src}.",
              "Protesters threw stones at security forces and torched vehicles {where} {when} in unrest over {why}, {src}."],
             ["Police said several officers were hurt and that a number of people were being questioned.",
              "Shops in the town centre stayed shut and smoke hung over the main market through the afternoon.",
              "Local leaders appealed for calm and urged young people to stay at home."]),
    "arrest": (["{N} arrested in {town} security sweep", "Police detain suspects in {country}'s {prov}"],
               ["{police} arrested {kn} people {where} {when} on suspicion of {crime}, {src}.",
                "{police} detained {kn} people suspected of links to {foe} in a raid {where} {when}, {src}.",
                "{police} rounded up {kn} men {where} {when}, accusing them of {crime}."],
               ["Relatives of those held said they had not been told where they were being taken.",
                "Rights groups have criticised the authorities for holding suspects for weeks without charge.",
                "Officials said weapons and mobile phones had been found during the searches."]),
    "abduct": (["Gunmen abduct {N} in {country}'s {prov}", "{N} kidnapped near {town}"],
               ["{perp} abducted {kn} {victims} {where} {when}, {src}.",
                "{kn} {victims} were kidnapped {when} when {perp} attacked a convoy {where}, {src}.",
                "{perp} kidnapped {kn} {victims} in a dawn raid {where} {when}, {src}."],
               ["Relatives said the kidnappers had not yet made contact or demanded a ransom.",
                "Security forces launched a search of the surrounding forest, a local official said.",
                "Kidnappings for ransom have become a lucrative business for armed groups in the area."]),
    "civ": (["Gunmen kill {N} villagers in {country}'s {prov}", "{N} civilians killed in attack near {town}"],
            ["{perp} opened fire on {victims} {where} {when}, killing {kn} people, {src}.",
             "{perp} raided a village {where} {when} and shot dead {kn} civilians, {src}.",
             "{kn} civilians were killed {when} when {perp} attacked a village {where}, {src}."],
            ["Survivors said the attackers went from house to house and set homes on fire before leaving.",
             "Hundreds of villagers fled to {town2} after the attack, local officials said.",
             "Mass funerals for the victims were held the following morning."]),
    "talks": (["Talks on {country} war resume in {venue}", "{country} negotiators meet in {venue}"],
              ["{perp} met in {venue} {when} for a new round of talks aimed at ending the war in {country}, {src}.",
               "{perp} resumed negotiations in {venue} {when}, diplomats said, amid growing international pressure to halt the war in {country}."],
              ["Diplomats said the talks would focus on humanitarian access, the release of detainees and the reopening of roads.",
               "Neither side released details of the discussions, which were expected to continue for several days.",
               "Previous rounds ended without a breakthrough, with each side blaming the other for the deadlock."]),
}
TARGETS = (("a crowded market", "market"), ("a residential building", "homes"), ("a camp for displaced people", "camp"),
           ("a petrol station", "petrol station"), ("a bakery", "bakery"), ("a school used as a shelter", "school"),
           ("a mosque", "mosque"), ("a military checkpoint", "checkpoint"), ("a bus station", "bus station"))
VEHICLES = ("a military convoy", "a minibus carrying farm workers", "an army patrol", "a police vehicle", "a truck carrying labourers")
VICTIMS = ("passengers", "villagers", "farmers", "worshippers", "students", "aid workers", "travellers")
WHY = (("power cuts and water shortages", "power cuts"), ("rising fuel and food prices", "prices"), ("the killing of a local activist", "activist's killing"),
       ("worsening insecurity", "insecurity"), ("unpaid public-sector salaries", "unpaid salaries"), ("corruption among local officials", "corruption"),
       ("the arrest of a community leader", "leader's arrest"), ("plans to raise taxes", "tax plans"))
CRIMES = ("planning attacks", "smuggling weapons", "links to armed groups", "organising unrest", "extortion at checkpoints")
QUOTES = {
    "violent": ("We heard a huge explosion and then people started screaming. Whole families were under the rubble",
                "There is nothing military in this neighbourhood. These were farmers and their children",
                "The hospital is overwhelmed and we are running short of blood and painkillers",
                "We have been living in fear for months, and now it has reached our doorstep",
                "We are still looking for people. The equipment we have is not enough"),
    "crowd": ("We are not asking for much. We want electricity, water and jobs for our children",
              "We will keep coming back to the streets until our demands are met",
              "The government has forgotten this city. Nobody listens to us"),
    "fighting": ("The gunfire went on all night. We lay on the floor with the children and waited",
                 "They came from three directions at once, and our men ran out of ammunition by the morning",
                 "Nobody can reach the fields now. The road is too dangerous and the villages are empty"),
    "raid": ("They came at night on motorbikes and went from house to house. We hid in the bush with the children",
             "We buried our neighbours this morning. Nobody came to protect us",
             "Every family in this village has lost someone. We are afraid to sleep in our homes"),
    "arrest": ("My son is a student. He has nothing to do with any armed group",
               "We have not been told where they are being held or what they are accused of",
               "They came before dawn, searched every room and took the men away"),
    "talks": ("The discussions were frank and constructive, but there is still a long way to go",
              "We came here in good faith and we expect the other side to do the same",
              "Any settlement must start with the protection of civilians and access for aid"),
}
# Background any of the countries' stories can carry: long, and free of event words, so they pad an
# article towards its target length without adding events the coder would (rightly) find.
CONTEXT = ("Aid agencies say funding for their operations has fallen sharply this year, forcing them to cut food rations, close health clinics and suspend water "
           "deliveries in some of the areas where needs are greatest, at a time when the number of people who depend on them keeps growing.",
           "Humanitarian workers say access to the worst-affected districts is often blocked for days at a time by checkpoints, damaged roads and insecurity, leaving "
           "families without food, clean water or medical care, and making it almost impossible to move the sick and the elderly to hospital.",
           "The United Nations has repeatedly said that civilians are bearing the brunt of the violence, that hospitals, schools and markets are protected under "
           "international humanitarian law, and that the parties must allow aid convoys to pass without delay or obstruction.",
           "Independent verification of casualty figures is difficult because journalists have limited access to the area, mobile phone networks are "
           "frequently cut and local officials on different sides often give accounts that cannot be reconciled with one another.",
           "Residents said prices of flour, cooking gas and medicine had more than doubled in recent months, that many families were now surviving on one meal a "
           "day, and that those who could afford the journey had already sent their children to stay with relatives elsewhere.",
           "Local officials said schools in the district had been closed as a precaution, that teachers and pupils would stay at home until the security "
           "situation improved, and that the main clinic was operating with a fraction of its usual staff and supplies.",
           "Diplomats say regional powers have so far shown little appetite for a settlement, each backing local allies with money, weapons and political cover, "
           "while Western governments have been distracted by crises elsewhere and by pressure at home to cut foreign aid budgets.",
           "Rights groups have documented a pattern of abuses by several parties to the conflict, including the use of heavy weapons in residential areas and the "
           "detention of people without charge, and have called for those responsible to be held accountable before independent courts.")
SPEAKERS = {
    "violent": ("{name}, a resident, told reporters", "local doctor {name} said", "{name}, a rescue worker, said", "{name}, who lives nearby, said"),
    "crowd": ("{name}, a protester, said", "{name}, one of the organisers, told reporters", "{name}, a shopkeeper who joined the march, said"),
    "arrest": ("{name}, whose brother was among those held, said", "{name}, a relative of one of the detained men, told reporters"),
    "talks": ("{name}, a member of one of the delegations, told reporters", "{name}, an adviser to one of the negotiating teams, said"),
}
SPEAKERS.update(fighting=SPEAKERS["violent"], raid=SPEAKERS["violent"])
OFFICIAL = ("A military spokesman said the security forces were pursuing those responsible and that the situation was under control.",
            "The provincial governor announced three days of mourning and ordered an investigation.",
            "The United Nations called on all parties to protect civilians and allow humanitarian access to the area.",
            "Human rights groups urged an independent investigation into the incident.")
