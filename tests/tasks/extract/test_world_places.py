"""Issue 14: places for the whole world. The country and admin1 of one-sentence reports from 32 countries,
most of which never name their country, including names several countries share (Cordoba, Bijapur,
Tripoli, Saint-Marc, Hyderabad, Valencia, Birmingham, Santa Cruz) and regions written as their common
English names (North Kivu, Sagaing Region, Zaporizhzhia region, North Sinai)."""

from __future__ import annotations

import pytest

from conftest import code_text
from datetime import date

PUBLISHED = date(2024, 3, 20)

# (text, country, admin1 in the coder's GeoNames spelling)
WORLD = [
    ("Gunmen killed six farmers near Bokkos in Plateau State on Tuesday, a local leader said.", "Nigeria", "Plateau"),
    ("Al-Shabaab fighters attacked a military base in Beledweyne on Tuesday, killing four soldiers.", "Somalia", "Hiraan"),
    ("Insurgents beheaded five villagers in Macomia district on Tuesday, residents said.", "Mozambique", "Cabo Delgado"),
    ("Police fired tear gas at protesters in Kisumu on Tuesday, witnesses said.", "Kenya", "Kisumu"),
    ("Security forces killed three protesters in Mandera on Tuesday, a rights group said.", "Kenya", "Mandera"),
    ("A bomb exploded near a mosque in Peshawar on Tuesday, killing 12 worshippers.", "Pakistan", "Khyber Pakhtunkhwa"),
    ("Gunmen killed three people in Hyderabad in Sindh province on Tuesday, police said.", "Pakistan", "Sindh"),
    ("Maoist rebels ambushed a police patrol in Bijapur district of Chhattisgarh on Tuesday, killing six officers.", "India", "Chhattisgarh"),
    ("Russian drones struck an energy facility in Odesa on Tuesday, injuring three workers.", "Ukraine", "Odesa"),
    ("Ukrainian troops retook the village of Robotyne in Zaporizhzhia region on Tuesday, the army said.", "Ukraine", "Zaporizhzhia"),
    ("Gang members set fire to houses in Cité Soleil in Port-au-Prince on Tuesday, residents said.", "Haiti", "Ouest"),
    ("Gang members killed four people in Saint-Marc in the Artibonite department on Tuesday, police said.", "Haiti", "Artibonite"),
    ("Gunmen killed a mayor in Uruapan in Michoacan on Tuesday, state prosecutors said.", "Mexico", "Michoacán"),
    ("Gunmen shot dead a man in Cordoba in Veracruz on Tuesday, police said.", "Mexico", "Veracruz"),
    ("Gunmen killed eight people at a bar in Zacatecas on Tuesday, officials said.", "Mexico", "Zacatecas"),
    ("Soldiers clashed with ELN guerrillas in Arauca on Tuesday, killing three fighters.", "Colombia", "Arauca"),
    ("Junta airstrikes hit a village in Sagaing Region on Tuesday, killing 11 civilians.", "Myanmar", "Sagaing"),
    ("Rioters torched cars in Leicester on Tuesday after a march turned violent, police said.", "United Kingdom", "England"),
    ("Rioters clashed with police in Birmingham, England, on Tuesday night after a protest turned violent.", "United Kingdom", "England"),
    ("A car bomb exploded in Mogadishu on Tuesday, killing seven people, police said.", "Somalia", "Banadir"),
    ("Tuareg rebels seized a military camp near Kidal on Tuesday, a rebel spokesman said.", "Mali", "Kidal"),
    ("Clashes between Fulani herders and Dogon hunters in Bandiagara left 12 dead on Tuesday.", "Mali", "Mopti"),
    ("Security forces shot dead two protesters in Conakry on Tuesday, an opposition group said.", "Guinea", "Conakry"),
    ("A roadside bomb killed four soldiers in Khost province on Tuesday, officials said.", "Afghanistan", "Khost"),
    ("Houthi forces fired a missile at Marib city on Tuesday, wounding five civilians.", "Yemen", "Marib"),
    ("Police arrested 40 opposition supporters in Kampala on Tuesday, their lawyer said.", "Uganda", "Central Region"),
    ("M23 rebels seized the town of Kirumba in North Kivu on Tuesday, residents said.", "Democratic Republic of Congo", "Nord-Kivu"),
    ("ADF rebels killed 22 civilians in Beni territory on Tuesday, the army said.", "Democratic Republic of Congo", "Nord-Kivu"),
    ("Soldiers raped at least 20 women in the village of Minova in South Kivu in Congo on Tuesday, a local official said.", "Democratic Republic of Congo", "Sud-Kivu"),
    ("Anti-Balaka militiamen attacked a camp for displaced people in Bambari on Tuesday, the U.N. said.", "Central African Republic", "Ouaka"),
    ("Protesters clashed with police in Dhaka on Tuesday, leaving 30 people injured.", "Bangladesh", "Dhaka Division"),
    ("RSF fighters looted the market in Wad Madani on Tuesday, residents said.", "Sudan", "Al Jazirah"),
    ("Armed men killed three people in Cordoba in Argentina on Tuesday, police said.", "Argentina", "Cordoba"),
    ("Security forces killed two protesters in Santa Cruz in Bolivia on Tuesday, police said.", "Bolivia", "Santa Cruz Department"),
    ("An IED killed two soldiers in Cotabato on Tuesday, the Philippine army said.", "Philippines", "Autonomous Region in Muslim Mindanao"),
    ("Kurdish militants attacked a gendarmerie post in Hakkari province on Tuesday, killing two soldiers.", "Turkey", "Hakkâri"),
    ("Hezbollah fired rockets at Kiryat Shmona on Tuesday, the Israeli army said.", "Israel", "Northern District"),
    ("Gunmen killed a security guard in Tripoli in northern Lebanon on Tuesday, police said.", "Lebanon", "North"),
    ("Militants attacked a checkpoint in North Sinai on Tuesday, killing five soldiers, the army said.", "Egypt", "North Sinai"),
    ("Gunmen killed five people in Valencia in Carabobo state on Tuesday, police said.", "Venezuela", "Carabobo"),
    ("A grenade attack wounded four people in Georgetown on Tuesday, police in Guyana said.", "Guyana", "Demerara-Mahaica"),
    ("Government forces shelled the outskirts of Sarmin on Tuesday, wounding three people.", "Syria", "Idlib"),
]


def test_the_cases_span_at_least_25_countries():
    assert len({country for _, country, _ in WORLD}) >= 25


@pytest.mark.parametrize(("text", "country", "admin1"), WORLD, ids=[t[:40] for t, _, _ in WORLD])
def test_country_and_admin1_worldwide(resources, text, country, admin1):
    events = code_text(resources, text, PUBLISHED)
    assert [(e["country"], e["admin1"]) for e in events] == [(country, admin1)], [e["notes"] for e in events]
