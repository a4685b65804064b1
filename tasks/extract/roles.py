"""Actor roles: from the dependency parse, whether an actor a sentence names did the violence or suffered it."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from tasks.extract.actors import Actor, ActorDictionary, Mention
from tasks.extract.lexicon import (
    ATTACK_NOUNS, CLASH_WORDS, GROUP_NOUNS, LIGHT_VERBS, SPEECH_VERBS, TERRITORY_AFTER, TERRITORY_BEFORE, VICTIM_PARTICIPLES,
    VICTIM_PREPOSITIONS, VIOLENCE_VERBS,
)


def _in_trigger(token: Token, trigger_span: tuple[int, int] | None) -> bool:
    """Whether the token is part of the trigger phrase."""
    return trigger_span is not None and trigger_span[0] <= token.idx < trigger_span[1]


def _names_trigger(noun: Token, trigger_span: tuple[int, int] | None) -> bool:
    """'regime barrel bomb attacks': an attack noun right after the trigger is the trigger's head noun
    (but the "rebel offensive" elsewhere in the sentence is another action)."""
    return trigger_span is not None and noun.lower_ in ATTACK_NOUNS and 0 <= noun.idx - trigger_span[1] <= 1


def _governs(verb: Token, trigger_span: tuple[int, int] | None) -> bool:
    """True when the trigger is the verb itself or its object ("launched airstrikes", "carried out strikes on")."""
    if trigger_span is None:
        return False
    for token in verb.subtree:
        if _in_trigger(token, trigger_span):
            hops, node = 0, token
            while node.i != verb.i and hops < 3 and node.dep_ in ("dobj", "pobj", "prep", "compound", "amod", "prt", "attr", "conj", "nsubjpass"):
                node, hops = node.head, hops + 1
            return node.i == verb.i  # spaCy makes a new Token object per access: compare positions
    return False


def actor_role(mention: Mention, doc: Doc, trigger_span: tuple[int, int] | None, any_verb: bool = False) -> str | None:
    """'actor1' (who did it), 'actor2' (to whom) or None, from the dependency parse around a mention.

    `any_verb`: for non-violent events (agreements, arrests, protests) the subject of any verb acts.
    """
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return None
    if trigger_span is not None and mention.start < trigger_span[1] and trigger_span[0] < mention.end:
        return "actor1"  # the mention names the means: "regime shelling", "Russian air strikes"
    token = span.root
    for _ in range(6):  # climb out of modifiers and coordinations to the noun phrase's role
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lower_ in GROUP_NOUNS:
            token = token.head.head  # "members of the Gran Grif gang" act as the gang
            continue
        if token.dep_ in ("compound", "amod", "poss", "nmod", "npadvmod") and (_in_trigger(token.head, trigger_span) or _names_trigger(token.head, trigger_span)):
            return "actor1"  # "Russian air strikes", "Israel's airstrikes", "regime barrel bomb attacks", "rebel rocket fire"
        if token.dep_ in ("compound", "amod", "poss", "nmod", "conj", "appos") and token.head.i != token.i:
            token = token.head
            continue
        break
    head = token.head
    if any(child.dep_ == "acl" and VICTIM_PARTICIPLES.match(child.lower_) for child in token.children):
        return "actor2"  # "18 fighters killed in eastern Syria"
    if token.dep_ in ("nsubj", "csubj"):
        if SPEECH_VERBS.match(head.lower_):
            return None
        if any_verb or _in_trigger(head, trigger_span) or VIOLENCE_VERBS.match(head.lower_) or (LIGHT_VERBS.match(head.lower_) and _governs(head, trigger_span)):
            return "actor1"
        return None
    if token.dep_ == "pobj" and head.lower_ in ("by", "between"):
        return "actor1"  # "dropped by regime forces"; "fighting between the ELN and FARC dissidents" (both sides)
    if token.dep_ == "pobj" and head.lower_ in ("with", "against") and CLASH_WORDS.match(head.head.lower_):
        return "actor2"  # "clashed with the SDF", "fighting against IS": the other side of the battle
    if token.dep_ == "pobj" and head.lower_ == "on" and head.head.lower_ in ("blamed", "blames", "blaming", "pinned"):
        return "actor1"  # "a car bombing blamed on Daesh"
    if token.dep_ in ("nsubjpass", "dobj"):
        if token.dep_ == "dobj" and (SPEECH_VERBS.match(head.lower_) or not VIOLENCE_VERBS.match(head.lower_)):
            return None
        return "actor2"
    if token.dep_ == "pobj" and head.lower_ in VICTIM_PREPOSITIONS:
        return "actor2"
    return None


def _describes_territory(text: str, mention: Mention) -> bool:
    """'an IS-held town', 'a village held by the Islamic State group': whose ground it is, not who acted."""
    return bool(TERRITORY_AFTER.match(text[mention.end : mention.end + 16]) or TERRITORY_BEFORE.search(text[max(0, mention.start - 50) : mention.start]))


def unique_actors(actors: list[Actor]) -> list[Actor]:
    """The actors in order, each name once."""
    seen, kept = set(), []
    for actor in actors:
        if actor.name not in seen:
            seen.add(actor.name)
            kept.append(actor)
    return kept


def sentence_roles(
    sent: Span, text: str, actors: ActorDictionary, country: str | None, trigger_span: tuple[int, int] | None, any_verb: bool, deaths: bool
) -> tuple[list[Actor], list[Actor]]:
    """Who did what the news part `text` of a sentence reports (perpetrators) and to whom (targets)."""
    perpetrators, targets = [], []
    for mention in actors.find(text, country):
        if _describes_territory(text, mention):
            continue
        shifted = Mention(mention.actor, sent.start_char + mention.start, sent.start_char + mention.end, mention.generic)
        role = actor_role(shifted, sent.doc, trigger_span, any_verb=any_verb)
        if role == "actor1" and mention.actor.inter not in ("Civilians",):
            perpetrators.append(mention.actor)
        elif role == "actor2" or (mention.actor.inter == "Civilians" and role is None and deaths):
            targets.append(mention.actor)  # the civilians a deadly sentence names died, whatever the parse says
    return unique_actors(perpetrators), unique_actors(targets)
