"""The coder's vocabulary: word lists and patterns its rules read sentences with."""

from __future__ import annotations

import re

from tasks.extract.gazetteer import fold
from conflict_events.schemas import ACLED_SUB_EVENT_TYPES

# --- places ---------------------------------------------------------------------------------

LOCATION_PREPOSITIONS = {"in", "near", "outside", "at", "of", "around", "into", "over", "within", "throughout", "along", "toward", "towards", "across", "through", "on", "inside", "from", "to", "between", "and", "hit", "struck", "targeted"}
PLACE_TYPE_WORDS = {"town", "city", "village", "district", "province", "governorate", "area", "region", "neighbourhood", "neighborhood", "suburb", "camp", "outskirts", "countryside", "countryside of", "state", "oblast"}
NEAR_WORDS = re.compile(r"\b(?:near|outside|outskirts of|countryside of|close to|around|south of|north of|east of|west of|km from|kilometres from|kilometers from)\s+$", re.I)
ADMIN1_AFTER = re.compile(r"^\s*(?:province|governorate|region|state|oblast|countryside|prefecture)\b", re.I)
NOT_A_PLACE_AFTER = re.compile(r"^\s*(?:-based|based|governor|government|ministry|officials?|media|television|tv|radio|news|agency|observatory|authorities|council|university|airport\s+said)\b", re.I)
ARTICLE_WORDS = {"ash", "at", "an", "az", "ad", "as", "ar", "al", "el", "tal", "tell", "deir", "bab", "ain", "ras", "jabal", "jebel", "wadi", "kafr", "beit", "abu", "umm", "bir", "khan", "san", "santa", "port", "fort", "new"}
NAME_PARTICLES = {"al", "el", "ez", "ash", "ad", "as", "ar", "es", "bin", "-", "al-", "el-"}
# Regions larger than a country are never an event location.
MACRO_REGIONS = {fold(n) for n in ("Middle East", "the Middle East", "Gulf", "Persian Gulf", "Levant", "Europe", "Africa", "Asia", "West", "Sahel", "Horn of Africa", "North Africa", "West Africa", "East Africa", "Mediterranean", "Red Sea", "Arab world")}
# Named days and months: a near-miss spelling of one is no place ("Sunday" is not Sandy).
CALENDAR_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
}

# --- actor roles ----------------------------------------------------------------------------

# Verbs whose subject did the violence ("gunmen killed", "jets struck", "rebels seized").
VIOLENCE_VERBS = re.compile(
    r"^(?:strik|struck|hit|bomb|shell|kill|attack|pound|raid|shoot|shot|storm|ambush|execut|kidnap|abduct|overr|seiz|captur|recaptur|"
    r"retak|retook|clash|fought|fight|destroy|detonat|blew|blow|arrest|detain|loot|burn|torch|massacr|behead|murder|assassinat|invad|"
    r"besieg|bombard|target|fired|fire|opened|rap|disperse|dropped|drop|took|take|overran|battl|mortar|rocket)"
)
# Verbs whose subject did the violence only when the violence is their object ("Israel launched airstrikes").
LIGHT_VERBS = re.compile(r"^(?:launch|conduct|carr|mount|stag|us|unleash|step|intensif|resum|continu|begin|began|start)")
VICTIM_PARTICIPLES = re.compile(r"^(?:killed|wounded|injured|executed|abducted|kidnapped|detained|arrested|hurt|slain|targeted|trapped)$")
VICTIM_PREPOSITIONS = {"on", "against", "targeting", "at", "toward", "towards"}
SPEECH_VERBS = re.compile(r"^(?:say|said|says|report|accus|den|claim|condemn|told|tell|announc|warn|blam|insist|add|stat|confirm|urg|call)")
# Nouns that head a trigger phrase ("barrel bomb attacks"): their modifiers name who attacked.
ATTACK_NOUNS = {
    "attack", "attacks", "strike", "strikes", "airstrike", "airstrikes", "raid", "raids", "shelling", "fire", "bombardment", "bombing",
    "bombings", "barrage", "offensive", "assault", "bombs", "rockets", "missiles", "shells", "mortars", "gunfire", "sniper", "snipers",
}
# "an IS-held town": whose ground a place is, not who acted there.
TERRITORY_AFTER = re.compile(r"^-?\s*(?:held|controlled|run|occupied|dominated)\b", re.I)
# "held by the extremist Islamic State group", "held by the Islamic State (IS) group"
TERRITORY_BEFORE = re.compile(r"\b(?:held|controlled|run|occupied|dominated|stronghold|bastion|territory|areas?)\s+(?:by|of)\s+(?:the\s+)?(?:[\w\-]+\s+){0,3}\(?$", re.I)
CLASH_WORDS = re.compile(r"^(?:clash|fought|fight|battl|skirmish|exchang|engag|war|combat|confront)")
# "members of the gang", "fighters of IS": the group acts through them.
GROUP_NOUNS = {"members", "fighters", "militants", "elements", "units", "troops", "soldiers", "forces", "supporters", "gunmen", "jets", "warplanes", "aircraft", "loyalists"}

# --- news and background --------------------------------------------------------------------

# Words that turn the rest of a sentence to an earlier event ("... in Khan Sheikhun, site of a chemical
# attack earlier this week that killed 87"; "The blast came days after ..."): context, not news.
BACKGROUND_MARKERS = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|several|few|\d+)\s+(?:days?|weeks?|months?)\s+(?:after|before|since)|(?:days|weeks|months|a\s+day|a\s+week)\s+after|"
    r"in\s+the\s+wake\s+of|(?:came|comes|come|coming)\s+(?:as|after|amid|just|days|a\s+day|a\s+week|weeks|hours|shortly|less\s+than)|this\s+follows|follows\s+(?:the|a|an)|"
    r"site\s+of\s+(?:a|an|the)|earlier\s+this\s+(?:week|month|year)|last\s+(?:year|month)|the\s+(?:deadliest|worst|bloodiest|largest)\s+(?:since|in)|"
    r"similar\s+(?:attacks?|strikes?|raids?)|previously|(?:the\s+)?(?:second|third|fourth|fifth)\s+time|"
    r"in\s+(?:19|20)\d\d\b|(?:was|were)\s+(?:also\s+)?(?:blamed|accused)\s+(?:for|of))",
    re.I,
)
# Past perfect outside reported speech: "seven days of airstrikes had left 75 dead" recalls, while
# "police said 10 people had been killed" reports (sequence of tenses).
PAST_PERFECT = re.compile(r"\bhad\s+(?:been\s+)?(?:killed|died|left)\b", re.I)
REPORTED = re.compile(r"\b(?:said|says|reported|told|announced|confirmed|stated|added)\b", re.I)
# Openers after which the news follows the comma: "Days after the massacre, jets struck again".
LEADING_AFTER = re.compile(r"^(?:\w+\s+){0,3}?(?:after|since)\b", re.I)
# A roundup's next item: "Separately, ...", "In another attack, ...".
SEPARATE_NEWS = re.compile(r"^\W*(?:separately|in\s+(?:a\s+)?(?:separate|another)\s+(?:attack|incident|development|strike|raid))\b", re.I)
# Deaths from a quake, a flood, a crash or a disease: no political violence.
NOT_POLITICAL_VIOLENCE = re.compile(
    r"\b(?:earthquakes?|quakes?|tremors?|floods?|flooding|landslides?|mudslides?|storms?|cyclones?|hurricanes?|typhoons?|tornado(?:es)?|"
    r"wildfires?|heatwaves?|droughts?|avalanches?|collided|collisions?|crash(?:ed|es)?|accidents?|derailed|capsized|drowned|sank|"
    r"(?:cholera|disease|measles|ebola|virus)\s+outbreaks?|outbreaks?\s+of\s+(?:cholera|disease|measles|ebola)|cholera|epidemics?|pandemics?|"
    r"covid|malaria|overdoses?|stampedes?|lightning|electrocuted)\b",
    re.I,
)
# Sub-event types whose actor is the subject of any verb, not only of a violent one.
NON_VIOLENT = {sub for t, subs in ACLED_SUB_EVENT_TYPES.items() if t in ("Strategic developments", "Protests") for sub in subs}
SAME_DAY = re.compile(r"\b(?:on\s+)?the\s+same\s+(?:day|night|morning|evening)\b", re.I)

# --- who the article says did it ------------------------------------------------------------

# A claim of responsibility counts only for this attack, not for another incident the sentence names.
OTHER_INCIDENT = re.compile(r"\b(?:an?|another|earlier|previous|last)\s+(?:\w+\s+)?(?:attacks?|ambush|bombings?|blasts?|strikes?|assaults?)\b|\bin\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|(?:19|20)\d\d)\b", re.I)
CLAIMS = re.compile(r"\bclaim(?:ed|s|ing)?\s+(?:responsibility|the\s+(?:attack|bombing|blast|strike))|\bresponsibility\s+for\b|\bblamed\s+on\b|\bcarried\s+out\s+by\b", re.I)
# Words that make a state's forces its air force ("Russian jets", "the Syrian air force").
AIR_NOUNS = re.compile(r"\b(?:jets?|warplanes?|war\s+planes?|aircraft|air\s*force|air\s*strikes?|air\s+raids?|helicopters?|aerospace\s+forces|planes?|aviation|barrel\s+bombs?)\b", re.I)
