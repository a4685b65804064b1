"""Trigger phrases for ACLED sub-event types, in ACLED's order of precedence."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Trigger:
    """A phrase that signals a sub-event type; `weak` triggers ("the strikes") only continue an event already found.

    `unless`: the trigger does not apply to a sentence this pattern matches (a later trigger decides).
    """

    sub_event_type: str
    pattern: re.Pattern
    weak: bool = False
    unless: re.Pattern | None = None


def _t(sub: str, *phrases: str, weak: bool = False, unless: str | None = None) -> Trigger:
    return Trigger(sub, re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.I), weak, re.compile(unless, re.I) if unless else None)


# Words of a territory change: a capture outranks the fighting it took (see the air-backed battle below).
_RETAKE = r"(?:recaptur(?:ed|es|ing)|retook|retaken|regained|liberated)"
_TAKE = r"(?:captur(?:ed|es|ing)|seized|overran|overrun|took (?:full )?control|taken control)"
_CAPTURE = r"\b(?:" + _RETAKE + "|" + _TAKE + r"|fell to)\b"
# Words of an attack that happened: an interception or a defused bomb beside them is not the whole story.
_IMPACT = r"\b(?:kill\w*|dead|died|wound\w*|injur\w*|exploded|detonated|went off|struck|hit|damag\w*|destroyed (?:a|an|the|several|\d+) (?:house|home|building|school|hospital|market)s?)\b"
_AIR = r"(?:air ?strikes|air ?raids|air support|air cover|air power|warplanes|war planes|jets|aircraft|helicopters|gunships|drones|aviation)"
_SUPPORTED_BY = r"(?:backed|supported|covered|aided|assisted|helped) by (?:[\w-]+ ){0,3}?" + _AIR
_GROUND_FIGHT = r"(?:fight|fights|fought|fighting|clash(?:ed|es)?|battl(?:e|ed|es|ing)|engag(?:e|es|ed)|repel(?:s|led)?|repuls(?:e|es|ed)|firefights?|gun ?battles?)"
_CROWD = r"(?:protesters|protestors|demonstrators|rioters|youths)"
_MUNITIONS = r"(?:drones?|missiles?|rockets?|projectiles?|shells?|bombs?|explosives?|ieds?|mines?|landmines?|devices?)"


# Order is precedence: when one sentence matches several, the first wins (ACLED codes a chemical
# attack dropped from the air as "Chemical weapon", a suicide car bomb as "Suicide bomb", etc.).
TRIGGERS: tuple[Trigger, ...] = (
    # A chemical weapons programme, factory or stockpile is no use of chemical weapons.
    _t("Chemical weapon", r"chemical (?:attack|weapons?(?! (?:programs?|programmes?|factor(?:y|ies)|facilit(?:y|ies)|stockpiles?|production|plants?|depots?|arsenal|convention|watchdog|inspectors?|experts?))|strike|bombs?|agents?)", r"sarin", r"chlorine (?:gas|attack|bombs?|barrel)",
       r"nerve (?:agent|gas)", r"toxic gas(?:es)?", r"poison(?:ous)? gas", r"mustard gas", r"gas attack"),
    _t("Suicide bomb", r"suicide (?:bomb(?:er|ers|ing|ings)?|attack(?:er|ers|s)?|blasts?|car bomb(?:er|ing)?|vest|bomber)",
       r"blew (?:himself|herself|themselves) up", r"detonated (?:his|her|their) explosive", r"self-detonat\w*", r"martyrdom operation"),
    # ACLED: air strikes in support of a ground battle are part of the battle, coded once as Armed clash
    # ("government troops backed by airstrikes fought IS militants"), unless the battle won ground.
    _t("Armed clash", _SUPPORTED_BY + r",? (?:[\w-]+ ){0,2}?" + _GROUND_FIGHT, _GROUND_FIGHT + r"\b[^.;]{0,80}?\b" + _SUPPORTED_BY,
       r"with (?:the )?(?:help|support|backing|cover) of (?:[\w-]+ ){0,2}?" + _AIR + r",? (?:[\w-]+ ){0,2}?" + _GROUND_FIGHT,
       unless=_CAPTURE),
    # ... and when it did win ground, the capture is the event ("forces backed by Russian air strikes recaptured Palmyra").
    _t("Government regains territory", _SUPPORTED_BY + r"\b[^.;]{0,80}?\b" + _RETAKE, _RETAKE + r"\b[^.;]{0,80}?\b" + _SUPPORTED_BY),
    _t("Non-state actor overtakes territory", _SUPPORTED_BY + r"\b[^.;]{0,80}?\b" + _TAKE, _TAKE + r"\b[^.;]{0,80}?\b" + _SUPPORTED_BY),
    # A bomb defused, a drone intercepted, an arms cache seized: the weapon was not used (ACLED's
    # "Disrupted weapons use"), unless the sentence also tells of the damage it did.
    _t("Disrupted weapons use", r"defus(?:ed|ing)", r"(?:dismantled|neutrali[sz]ed|deactivated) (?:an? |the |\w+ ){0,3}?" + _MUNITIONS,
       r"(?:intercepted|shot down|downed) (?:[\w-]+ ){0,4}?" + _MUNITIONS,
       r"(?:seized|confiscated|recovered|discovered|uncovered) (?:[\w-]+ ){0,4}?(?:weapons|arms|ammunition|explosives|rifles|bomb-making)",
       r"(?:weapons|arms|ammunition) caches?", r"(?:foiled|thwarted) (?:an? |the )?(?:[\w-]+ ){0,2}?(?:attack|bombing|plot)",
       unless=_IMPACT),
    _t("Air/drone strike", r"air ?strikes?", r"air[- ]raids?", r"air (?:attacks?|assault|campaign|bombardment|raid)", r"aerial (?:bombardment|attacks?|strikes?|bombing)",
       r"warplanes?", r"war ?planes?", r"fighter jets?", r"jets? (?:struck|pounded|bombed|hit|strikes?|attacks?)", r"(?:russian|syrian|israeli|regime|government|coalition|us|u\.s\.|american|turkish|military|army) jets",
       r"drone (?:strikes?|attacks?)", r"(?:armed|military|suicide|kamikaze) drones?", r"barrel[- ]bombs?", r"helicopter gunships?",
       r"bombing raids?", r"(?:planes?|aircraft|helicopters?) (?:struck|bombed|dropped|pounded|targeted|hit)", r"dropped (?:barrel )?bombs",
       r"(?:jet|air|drone) strikes?", r"air forces? (?:struck|bombed|hit|targeted)", r"airstrikes?",
       r"drones? (?:launched by \S+(?: \S+){0,3} )?(?:struck|hit|slammed|crashed|attacked|dropped|targeted|exploded)", r"explosive-laden drones?", r"drone attacks?"),
    _t("Shelling/artillery/missile attack", r"shell(?:ed|ing|s)", r"artillery", r"mortars?(?: (?:shells?|rounds?|fire|attacks?))?", r"rockets?(?: fire| attacks?)?",
       r"missiles?(?: strikes?| attacks?)?", r"cruise missiles?", r"ballistic missiles?", r"tank fire", r"bombard(?:ed|ment|ing)", r"katyusha",
       r"grad rockets?", r"projectiles?", r"tomahawks?", r"hell cannon"),
    _t("Remote explosive/landmine/IED", r"car bombs?", r"car[- ]bombing", r"bomb blasts?", r"roadside bombs?", r"improvised explosive devices?", r"ieds?",
       r"land ?mines?", r"explosive devices?", r"booby[- ]trap(?:ped|s)?", r"vbieds?", r"explosions?", r"blasts?", r"bomb(?:ing|ings)? (?:attack|went off|exploded)",
       r"(?:bomb|explosives?) (?:exploded|detonated|went off)", r"bombings?", r"booby-trapped", r"motorcycle bomb(?:er)?", r"truck bomb", r"explosive-laden"),
    _t("Grenade", r"(?:hand )?grenades?", r"grenade attack"),
    _t("Sexual violence", r"rap(?:ed|ing|es)", r"sexual(?:ly)? (?:violence|assault(?:ed)?|abuse[d]?)", r"gang-raped"),
    _t("Abduction/forced disappearance", r"abduct(?:ed|ing|ion|s)", r"kidnap(?:ped|ping|s|pers)?", r"taken hostage", r"seized (?:\d+|several|dozens of )?(?:hostages|civilians|students|villagers)",
       r"forcibly disappeared", r"enforced disappearance"),
    _t("Government regains territory", r"recaptured", r"recapture[sd]?", r"retook", r"retaken", r"regained (?:control|territory)", r"liberated", r"regain(?:ed|s)? control"),
    _t("Non-state actor overtakes territory", r"seized (?:control|territory|the town|the city|the village|the base|the airport|significant territory)", r"captured",
       r"took (?:full )?control", r"taken control", r"overran", r"overrun", r"seized", r"fell to", r"control over", r"made (?:significant )?gains",
       r"took over", r"capture[sd]? of"),
    # Demonstrators who clash with police riot; "clashed" alone would make it a battle between armed groups.
    _t("Violent demonstration", _CROWD + r"\b[^.;]{0,60}?\bclash(?:ed|es)", r"clash(?:ed|es) (?:\w+ ){0,2}?(?:with|between) (?:[\w-]+ ){0,3}?" + _CROWD),
    _t("Armed clash", r"clash(?:ed|es)?", r"fighting", r"fought", r"battles?", r"gun ?battles?", r"firefights?", r"exchange of fire", r"exchanged fire",
       r"ambush(?:ed)?", r"assault on", r"attacked (?:positions|a checkpoint|checkpoints|a military|an army|troops|soldiers|the base)",
       r"skirmish(?:es)?", r"street battles?", r"ground (?:operation|offensive|assault)", r"stormed"),
    _t("Excessive force against protesters",
       r"(?:opened fire|fired live (?:rounds|ammunition)|shot(?: dead)?|killed|gunned down) (?:on |at |into )?(?:the |a )?(?:[\w-]+ ){0,2}?(?:protesters|protestors|demonstrators|crowds?)",
       r"(?:protesters|demonstrators) (?:were )?(?:shot|killed)"),
    _t("Protest with intervention", r"tear ?gas", r"water cannons?", r"rubber bullets", r"(?:police|security forces) (?:dispersed|broke up|detained|arrested) (?:the )?(?:protesters|demonstrators|crowds?|protest|rally)",
       r"dispersed (?:the )?(?:protesters|demonstrators|crowds?|protest|rally)"),
    _t("Violent demonstration", r"riot(?:s|ed|ing|ers)?", r"(?:protesters|demonstrators) (?:torched|set fire|burned|threw stones|hurled stones|clashed|attacked|looted|stormed)",
       r"violent (?:protests?|demonstrations?)"),
    _t("Mob violence", r"mob", r"lynch(?:ed|ing)?"),
    _t("Arrests", r"arrested", r"detained", r"arrests", r"rounded up", r"took into custody", r"taken into custody", r"detention campaign"),
    _t("Peaceful protest", r"protest(?:s|ed|ers|ing)?", r"demonstrat(?:ion|ions|ors|ed)", r"rall(?:y|ies|ied)", r"marched (?:peacefully|in protest)", r"sit-ins?", r"(?:protest|peaceful) march(?:es)?", r"took to the streets", r"strike action"),
    _t("Attack", r"gunmen", r"shot dead", r"executed", r"executions?", r"beheaded", r"massacred?", r"massacres", r"killed (?:\d+ )?(?:civilians|villagers|worshippers|farmers|residents|people)",
       r"stabbed", r"murdered", r"opened fire on", r"attacked (?:civilians|villagers|a village|the village|worshippers|a church|a mosque|a market|a camp)", r"shot and killed", r"torched (?:homes|houses|villages?)",
       r"assassinat(?:ed|ion)", r"killing spree", r"raided (?:a |the )?village"),
    _t("Looting/property destruction", r"looted", r"looting", r"pillag(?:ed|ing)", r"ransacked", r"demolished", r"torched", r"set (?:on )?fire to", r"burned down"),
    _t("Disrupted weapons use", r"defused", r"dismantled (?:an? )?(?:bomb|explosive|ied)", r"intercepted", r"shot down", r"foiled", r"thwarted", r"weapons cache", r"seized weapons"),
    _t("Agreement", r"ceasefire (?:agreement|deal)", r"peace (?:agreement|deal|accord)", r"signed an? (?:agreement|deal|accord)", r"truce", r"prisoner (?:exchange|swap)", r"agreed to a ceasefire", r"evacuation deal"),
    _t("Headquarters or base established", r"established (?:a |an )?(?:new )?(?:base|headquarters|outpost)", r"set up (?:a |an )?(?:new )?(?:base|headquarters|outpost)"),
    _t("Non-violent transfer of territory", r"withdr[ea]w from", r"handed over (?:control|the town|the city|positions)", r"pulled out of", r"evacuated (?:their|its) positions"),
    _t("Change to group/activity", r"defected", r"merged with", r"announced (?:its|their) dissolution", r"rebranded", r"pledged allegiance"),
    _t("Other", r"(?:have |has )?entered (?:syria|iraq|the country|the city|the town)", r"deployed (?:troops|forces|reinforcements)", r"sent reinforcements", r"reinforce[sd]?"),
    # Continuations: words that refer back to an event already described ("the strikes", "the attack").
    _t("", r"strikes?", r"struck", r"raids?", r"bombed", r"bombing", r"attacks?", r"attacked", r"hit", r"pounded", r"targeted", r"assaults?", r"killed", r"killing", r"dead", r"died", r"wounded", r"injured", weak=True),
)

# Sentences about what may, might or was threatened to happen are not events.
HYPOTHETICAL = re.compile(
    r"\b(?:threaten(?:ed|s)? to|vow(?:ed|s)? to|warn(?:ed|s)? (?:of|that|against)|plan(?:s|ned)? to|would|could|might|may|if|"
    r"intend(?:s|ed)? to|prepar(?:es|ed|ing) to|fears? of|risk of|call(?:ed|s)? for|urg(?:ed|es) )\b",
)  # case-sensitive: "May" the month is no modal


def find_trigger(sentence: str) -> tuple[Trigger, re.Match] | None:
    """The highest-precedence trigger in a sentence, with its match."""
    for trigger in TRIGGERS:
        match = trigger.pattern.search(sentence)
        if match and not (trigger.unless and trigger.unless.search(sentence)):
            return trigger, match
    return None
