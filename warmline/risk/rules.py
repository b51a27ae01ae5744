"""The phrase rules, the floor of the risk detector: phrase lists per level, matched on word
boundaries, and context rules anyone can read (negation, figurative uses, denials, quotations,
the past and recovery stories, jokes and plots, someone else). `rules(text)` gives the level and
the phrases matched; `context_cues(text)` gives what the rules read of the context, as features
for the learned model (features.py), in English and Spanish."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS = ("none", "low", "moderate", "high", "imminent")

RISK_PHRASES: dict[str, tuple[str, ...]] = {
    "imminent": (
        r"(kill|killing|end|ending) (myself|my life|it all) (tonight|today|now|right now|this time)",
        r"going to (kill myself|end my life|end it|do it) (tonight|today|now|right now)",
        r"swallowed (all )?(my |the |a bunch of |a lot of |some |\d+ )?(pills|tablets|meds)",
        r"(took|taken|take) (all( of)?|a bunch of|a lot of|too many|a handful of|[5-9]|[1-9]\d+) (my |"
        r"the )?(pills|tablets|meds)",
        r"(just )?took (some|the) (pills|tablets) and",
        r"(bought|got|have) (a|the|some) (rope|noose|gun)\b.{0,30}\bready",
        r"(pills|tablets|meds) (are )?(counted|lined up|ready|saved up|all out)",
        r"(counted|saved|stockpiled|hoarded|hoarding|collecting) (out |up )?(all )?(my |the )?(pills|meds|tablets)",
        r"(going to|gonna|will) (end it|end things|end everything)( all)? (tonight|today|now)",
        r"(have|got|holding|bought) (a|the|my dad's|my) (gun|rope|noose|razor|pills) "
        r"(ready|here|with me|right here|in my hand)",
        r"(i have|i've got|i got) (a|the) (gun|rope|noose)(?! (license|licence|permit|safe|for hunting))",
        r"(standing|sitting) (on|at) (the|a) (bridge|ledge|roof|edge|tracks)",
        r"(this is|these are) my (last|final) (message|words|goodbye)(?! (before|of the day|for today|for now))",
        r"(writing|wrote|written|left) (my|a) (suicide|goodbye) note",
        r"(overdosed|od'd|overdosing)",
        r"(cut|cutting|slit) (too deep|my wrists?)",
        r"(bleeding|blood) (a lot|everywhere|won't stop)",
        r"(say|saying) goodbye (to everyone|forever)",
        r"won't be (here|alive) (tomorrow|by morning|much longer)",
        r"(about to|ready to|going to) (jump(?! (in|into|on|rope|ship)\b)|pull the trigger|hang myself)",
    ),
    "high": (
        # "kms" with a verb of wanting, intending or trying is the writer's own; alone it is slang.
        r"(to|wanna|gonna|ima|about|of|with|up) kms",
        # "going to do it" with when is a plan ("soon", "after the wedding"); alone it is moderate.
        r"(about to|ready to|going to|gonna) do it (soon|tonight|today|now|in (an?|the next|a few)|after|before|when|"
        r"once|on my|on \w+day|the night|this (time|week|weekend))",
        r"(kill|killing|hang|hanging|shoot|shooting|drown|drowning) myself",
        r"(commit|committing|attempt|attempting|thinking about|thoughts of|considering) suicide",
        r"suicidal",
        r"(end|ending|take|taking) my (own )?life",
        r"(wants?|wanna|wish|wishes|going) to die",
        r"(wanna|gonna) die",
        r"(never|not|don't|dont) wake up",
        r"(rather|prefer to) (be dead|die|not (be alive|exist|be here))",
        r"stay alive (much )?longer",
        # Not "gonna end it with him": a relationship.
        r"(going to|gonna|will|want to|thinking (of|about)) (end|ending) (it|things|everything)\b(?! with\b)",
        r"(want|need|wish) (it all|everything|the pain|it) to stop (forever|for good|permanently)",
        r"(what's|whats|what is) the point (in|of) (living|life|going on|being alive)",
        r"(don't|do not|dont|can't|cant) see (a|any) (reason|point) to (live|go on|keep going)",
        r"(planning|plan|researching|looking up) (how|ways) to (die|kill myself|end it)",
        r"suicide (seems|is|feels) (like )?(the|my) (only )?(option|answer|way out)",
        r"(want|wish) to disappear forever",
        r"wish i (was|were) dead",
        r"wish i (could )?(just )?(disappear forever|not wake up|never wake up)",
        r"better off dead",
        r"no (reason|point) (to|in) (go on |keep )?(live|living|going on|being alive)",
        r"(don't|do not|dont) want to (live|be alive|be here anymore|exist|wake up)",
        r"end it all(?! with\b)",
        r"(hurt|hurting|harm|harming|cut|cutting|burn|burning) myself",
        r"self[- ]harm(ing)?",
        r"(jump|jumping) (off|in front of)",
        r"not (be|being) (here|around|alive) anymore",
        r"(plan|planning|plans) to (die|kill myself|end it)",
        r"(can't|cannot|cant) (keep living|live like this|stay alive)",
    ),
    "moderate": (
        # Slang and set phrases as often harmless as not ("kms this wifi", "tonight's the night,
        # the finale"): a floor of moderate, the model decides whether they are more.
        r"\bkms\b",
        r"tonight('s| is) the night",
        r"(about to|ready to|going to) do it",
        r"hopeless",
        r"(can't|cannot|cant) (go on|take (it|this) anymore|do this anymore)",
        r"no way out",
        r"(nobody|no one|noone) (would|will) (miss|notice|care)",
        r"(hate|hating) myself",
        r"worthless",
        r"(feel|feeling|am|i'm) (trapped|empty inside|like a burden)",
        r"(a|such a) burden",
        r"(better off|be better|be happier|be fine) without me",
        r"giving up on (everything|life)",
        r"(my )?(friend|brother|sister|son|daughter|partner|mom|dad|mum) (is|says|said|might|wants to) "
        r"(suicidal|kill (himself|herself|themselves)|end (his|her|their) life)",
        r"(used to|years ago|in the past) .{0,40}(suicidal|self[- ]harm|attempt)",
    ),
    "low": (
        r"depressed",
        r"depression",
        r"anxious",
        r"anxiety",
        r"panic attacks?",
        r"(can't|cant) sleep",
        r"lonely",
        r"alone",
        r"overwhelmed",
        r"stressed",
        r"crying",
        r"sad",
        r"grief",
        r"relapse",
        r"(bad|rough|hard) (day|week|night)",
        r"struggling",
    ),
}

# Within this many words before a match, these make it not about the writer wanting it now.
NEGATIONS = (
    "not",
    "never",
    "no longer",
    "don't",
    "dont",
    "do not",
    "won't",
    "wont",
    "wouldn't",
    "isn't",
    "aren't",
    "am not",
    "i'm not",
    "im not",
    "not going to",
    "stopped",
    "quit",
    "no plans",
    "no intention",
    "no thoughts of",
    "haven't",
    "havent",
    "hasn't",
    "didn't",
    "didnt",
    "did not",
    "wouldnt",
)
NEGATION_WINDOW = 3
# Figurative uses of dying and killing ("this homework is killing me").
FIGURATIVE = (
    r"(is|are|was|were|it's|its|'s) killing me",
    r"killing it",
    r"dying (to|for|laughing|of laughter)",
    r"(i'd|i would|i could|could) (die|kill) (of|for)",
    r"killed (it|me)",
    r"to die for",
    r"dead (tired|serious|on|battery)",
    r"(phone|battery|laptop|car|plant) (died|is dead|was dead)",
    r"suicide squad",
    r"deadline",
    r"die (my|her|his|their|the) (hair|shirt|clothes)",
    r"take my life back",
    r"(die|dying) (of|from) (laughter|laughing|cringe|embarrassment|boredom|shame)",
    r"(going to|gonna) die if",
    r"self[- ]harm free",
    r"cut myself (shaving|cooking|chopping|on)",
    r"(hurt|burned|burnt|hurting) myself (doing|playing|lifting|cooking|falling|tripping|at the gym)",
    r"(pills|meds)\b.{0,40}\b(pharmacy|prescription|organizer|organiser|refill)",
    r"die (old|of old age)",
    r"die on (this|that) hill",
    r"(going to|gonna) die on the spot",
    r"(thought|felt like) i was (going to|gonna) die",
    r"(shoot|shooting|shot) myself in the foot",
    r"jump out of my skin",
    r"bungee jump(ing)? off",
    r"drown(ing)? myself in (work|pasta|food|ice cream|coffee|wine|books|tea|homework|chocolate|netflix|"
    r"tv|paperwork|emails)",
    r"(say|saying) goodbye to everyone\b.{0,60}\b(moving|move|new job|leaving for|graduat\w*|retir\w*|"
    r"last day|vacation|trip)",
    r"(not|never) wake up (until|till|til|before|for a (month|week|day|year|weekend|few (hours|days)))",
    r"(bridge|ledge|roof|edge)\b.{0,30}\b(photos?|pictures?|view|sunset|fishing|walk)",
    # Anything but living: "rather die than get a filling", not "rather die than live like this".
    r"rather die than (?!(go on|go back|keep|live|living|continue|be alive|be here|feel|wake|spend another|face|deal|"
    r"stay))\w+",
    r"(pills|meds|prescription) (are |is )?ready (for|to) (pick ?up|collect)",
    r"(pharmacy|prescription|refill)\b.{0,60}\b(pills|meds) (are |is )?ready",
    r"jump(ing)? off (the |a |my )?(high dive|diving board|dock|boat|swing|trampoline|couch|bed|bunk( bed)?|sofa|"
    r"platform|stage|zip ?line|rope swing)",
    r"overdos(ed|ing) on (coffee|caffeine|sugar|candy|chocolate|netflix|tv|tiktok|youtube|anime|memes|cookies|"
    r"pizza|sun|carbs|energy drinks|red bull|cake|studying|work)",
)
# Denials that name the thought and cover the phrase after it ("no thoughts of ending it", "i
# don't have any plans to hurt myself"); their matches are skipped like figurative ones.
DENIALS = (
    r"(no|zero|not any|not having any|don't have any|dont have any|do not have any) (thoughts|thots|"
    r"plans|urges|intention)s? "
    r"(of|to|about) \w+( \w+)?",
    r"(don't|dont|do not|never|haven't|havent) (have|had|felt) (a|any|the) (thought|plan|urge|intention)s? "
    r"(of|to|about) \w+( \w+)?",
    # "no self harm, no suicidal thoughts": a bare "no" before what it names (not "no i want to
    # die", where it answers something else).
    r"\bno (self[- ]harm(ing)?|suicidal (thoughts|thots|ideation|feelings)|thoughts of (suicide|self[- ]harm))",
    # A question answered no ("when you asked if i want to die, the answer is no"), a screening
    # question said no to, others' guesses ("people think im suicidal"), the option refused.
    r"(asked|asks|ask|asking)( me)? (if|whether|about)\b[^.?!]{0,80}[.,]? (no|the answer is no|"
    r"i said no|said no|i'm not|im not|i am not|(i )?(honestly )?(haven't|havent))\b",
    r"said no (to|on) [^.?!]{0,80}",
    r"(think|thinks|assume|assumes) (i'm|im|i am) suicidal",
    r"(killing myself|suicide|ending my life|ending it|self[- ]harm) (has never been|is not|isn't|"
    r"was never|will never be) "
    r"(an option|on the table)",
)
# A quotation with one of these cues nearby is someone else's words (a song, a film).
REPORTING_CUES = (
    "song",
    "lyrics",
    "lyric",
    "movie",
    "film",
    "book",
    "show",
    "character",
    "quote",
    "poem",
    "episode",
    "track",
    "album",
    "record",
    "storyline",
)
PAST_CUES = (
    "used to",
    "years ago",
    "a year ago",
    "in the past",
    "back when",
    "when i was",
    "as a teen",
    "in high school",
    "months ago",
    "no longer",
    "since my last",
    "i survived",
    "clean for",
    "decade ago",
    "years free",
    "months free",
    "free from",
    "free of",
    "years back",
    "years clean",
    "since i last",
    "back in 19",
    "back in 20",
    "back in middle school",
    "back in high school",
    "back in college",
    "in college",
    "in uni",
    "in middle school",
    "last year",
    "in a long time",
    "much better now",
    "the year i was",
    "the year i tried",
    "the year i wanted",
    "the night i tried",
    "the night i took",
    "the night i overdosed",
    "the day i tried",
    "the time i tried",
    "the old me",
    "year old me",
    "old me would",
    "the version of me",
)
# "in 2019 i tried to end my life": a year named (not "since", which runs to now).
PAST_YEAR = re.compile(r"\b(in|back in|that was) (19|20)\d\d\b")
# A recovery story: an age then ("i overdosed at 17"), an age now ("i'm 31 now"), time clean or
# sober, a decade of life named. Not "at 11" o'clock or "at 12 tonight".
RECOVERY = re.compile(
    r"\b(at|when i was|by age|age) (1[2-9]|[2-9]\d)\b(?!\s*(am|pm|a\.m|p\.m|:|o'?clock|tonight|today|tomorrow|min))"
    r"|\b(i'm|im|i am) \d\d( years old)? now\b|\bnow i'm (\d\d|a|an)\b|\bat \d\d,? i'm\b"
    r"|\b(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten) (yrs|years?|months?) (clean|sober|"
    r"free|later|in recovery)\b"
    r"|\b(clean|sober) (for|since)\b|\bin recovery\b|\b(yrs|years) ago\b"
    r"|\b(in my (teens|twenties|thirties|20s|30s|40s)|as a (kid|teen|teenager|child)|back then|those days)\b"
    r"|\b(\d+|a|one|two|three|four|five|six|ten|a hundred|a thousand) (days?|weeks?|months?|"
    r"years?) (without|clean|free|sober)\b"
    r"|\b(\d+|one|two|three|six) (day|week|month|year) (mark|chip|anniversary)\b|\bclean from\b|"
    r"\bpast (self[- ]harm|suicid\w*|attempts?)\b"
    r"|\b(\d+|two|three|four|five|six|seven|eight|nine|ten|many) years since\b|\ba (year|decade) since\b|\b(\d+|"
    r"\w+)[- ]year[- ]old self\b|\ba decade\b"
    r"|\bthat was (\d+|years|a long time)\b|\b(\d+|many|several|some) (yrs|years) (later|now|since)\b"
)
# A relapse or now in the same message ends the story's distance ("4 years without hurting
# myself and i burned my thigh tonight", "2 years without these thoughts and now i think about it
# all day again").
RELAPSE = re.compile(
    r"\b(relaps\w*|slipped|broke (my )?(streak|clean streak)|tonight|tonite|last night|right now|rn|this morning|again|"
    r"lately|anyway|these days|now (i|the only thing i|all i) (think|want|keep|go|feel|can't|cant))\b"
)
# The writer's own intent ("im going to end it"): no recovery story or plot around it softens it.
OWN_INTENT = re.compile(r"\b(going to|gonna|i will|i'll) (kill|end|die|do it|jump|hurt|take)\b")
# Said laughing ("i wanna die lol") or about a game, a show or a book: as often a joke or a plot
# as the writer's own risk, so the rules give moderate and the model decides whether it is more.
JOKING = re.compile(r"(?<![\w'])(lol|lmao|lmfao|jk|haha\w*|hehe|lolol)(?![\w'])|[\U0001F602\U0001F923]")
# "i wanna die lol. not lol. i mean it": the joke taken back.
IN_EARNEST = re.compile(
    r"\bnot lol\b|\b(not|no) jk\b|\bi mean it\b|\b(i'm|im|i am) serious\b|\b(isn't|is not|not) a joke\b"
)
FICTION = re.compile(
    r"\b(boss( fight)?|the game|video game|character|episode|finale|season \d+|movie|film|scene|the book|the play|"
    r"sitcom|series|novel|lyrics?|song|album|storyline|documentary|podcast|a book|the show|tv show)\b"
)
# A subject just before the phrase that is someone else: concern for them, not the writer's own risk.
THIRD_PERSON_SUBJECT = re.compile(
    r"\b(he|she|they|he'd|she'd|they'd|he's|she's|they're|hes|shes|theyre|someone( who)?|(a|my) friend of mine|"
    r"my [a-z]+('s)?( said| says)?( he'd| she'd)?|((a|our|the) )?(friend|coworker|co-worker|roommate|"
    r"roomate|classmate|student|"
    r"client|patient|caller|neighbou?r|pharmacist|nurse|doctor|gp|therapist|counsell?or|teacher|coach|vet|dentist|"
    r"psychiatrist|surgeon)('s)?)\b"
    r"( (is|was|might|may|could|says|said|seems|feels|keeps|wants to|want to|has|had|is going to|"
    r"going to|gonna|been|having|just|also|still|already|talking about|talkin bout|talks about|talked about|"
    r"threatening to|threatens to|threatened to|joking about|jokes about|joked about))*"
    r"( be| being)?$"
)

REPORTED_SPEECH = re.compile(
    r"\b(he|she|they|my [a-z]+|friend|girl|guy|kid|someone|somebody)\b[^,.;!?]*?"
    r"\b(said|says|saying|told me|tells me|telling me|texted|posted|joked|jokes|joking|keeps saying)\b"
    r"(?P<after>.*)$"
)
# Someone else's words quoted ('my son said "i want to die" at dinner'): a reporting verb just
# before the quotation, with a speaker who is not the writer ('i said "..."' stays the writer's).
QUOTED_BY_SOMEONE = re.compile(
    r"(?<!\bi )(?<!\bi just )\b(said|says|saying|wrote|writes|posted|texted|told me|tells me|tell me|replied|shared|"
    r"messaged|screamed|yelled|keeps saying|kept saying|asked|whispered|posting|posts|writing|texting)"
    r"( to me| me)?[^\"]{0,30}[ ,:]*$"
)
FIRST_PERSON = re.compile(r"(?<![\w'])(i|i'm|im|i'd|i've|me|my|myself)(?![\w'])")


# Spanish phrases, matched on the text with its accents folded ("dano" for "daño"), first person
# only: Spanish marks the person on the verb ("me quiero morir", not "se quiere morir").
# Measured on the training split's Spanish lines: the high and imminent ones hold about one risky
# line in six and 4 of its 3,506 other Spanish lines (docs/escalation.md); the model carries the rest.
SPANISH_PHRASES: dict[str, tuple[str, ...]] = {
    "imminent": (
        r"(me voy a|voy a|pienso) (matarme|suicidarme|quitarme la vida|matar|suicidar|quitar la vida)"
        r"( (hoy|esta noche|ahorita|ahora|ya|manana|este fin))",
        r"(me (tome|trague|acabo de tomar)|acabo de tomarme|ya me tome) (todas (las|mis)|un monton de|muchas|"
        r"\d+|toda la caja de|el frasco( entero)?( de)?)( mis)? (pastillas|pastis|pildoras|medicinas|tabletas|"
        r"capsulas|antidepresivos|calmantes)(?! (de hoy|del dia|de la manana|de la noche|como|a tiempo|recetadas))",
        r"(esta es|este es|estas son) mi(s)? (ultimo mensaje|ultimas palabras|despedida)"
        r"(?! (del dia|de hoy|por hoy|desde|en este|de la semana|del ano|antes))",
        r"(parad[oa]|sentad[oa]) (en|sobre) (el borde del puente|la cornisa|el borde de la azotea|las vias del tren)",
        r"(ya )?(tengo|compre|consegui) (la cuerda|la soga|el arma|la pistola|las pastillas)"
        r"( (lista|listo|listas|aqui|conmigo|en la mano))",
        r"me (corte|estoy cortando) (muy )?(hondo|profundo)",
        r"no (para|deja) de sangrar",
        r"(manana|esta noche) ya no (voy a estar|estare)",
    ),
    "high": (
        r"(me quiero (morir|matar|suicidar|quitar la vida)|quiero (morir|morirme|matarme|suicidarme|quitarme la vida|"
        r"desaparecer para siempre))(?! (de|del|con|por|cuando|si) )",
        r"me voy a (matar|suicidar|quitar la vida)(?! (de|del|estudiando|trabajando|en el gym|en el gimnasio|"
        r"entrenando|haciendo|si|cuando|con) )",
        r"(me )?(voy a|pienso|he pensado en|estoy pensando en|pensando en|planeo|planeando) "
        r"(matarme|suicidarme|quitarme la vida|acabar con mi vida|terminar con mi vida|morirme)"
        r"(?! (de|del|estudiando|trabajando|en el gym|en el gimnasio|entrenando|haciendo))",
        r"(ganas|pensamientos|ideas) (de (morir|morirme|matarme|suicidarme|quitarme la vida|no despertar|"
        r"desaparecer para siempre)|suicidas)(?! (de|del) (risa|verguenza|hambre|sueno|calor|frio|aburrimiento))",
        r"(ojala|quisiera|desearia) (estar muert[oa]|no despertar|no haber nacido|morirme|morir|"
        r"no existir|desaparecer para siempre)",
        r"dormir(me)? y (no|nunca|ya no) (volver a )?despertar(?! (hasta|temprano|en))",
        r"(ya )?no quiero (vivir|seguir viviendo|estar vivo|estar viva|seguir aqui|existir|despertar mas|"
        r"despertar nunca)(?! (en|con|cerca|aqui|ahi|alla|asi de|de nuevo en|sin mi))",
        r"(no le veo|no tiene|ya no tiene|no hay) (sentido|razon) (a la vida|a vivir|a seguir viviendo|"
        r"para vivir|en vivir|seguir vivo|seguir viva)",
        r"(estaria|estarian|todos estarian|estarian todos) mejor (si me muero|si estuviera muert[oa]|muert[oa])",
        r"mejor muert[oa]",
        r"(quiero|voy a|necesito|pienso) (acabar|terminar) con (todo|mi vida)(?! (el|la|lo|los|las|este|esta|esto|"
        r"eso|mi (trabajo|relacion|tarea|carrera)))",
        r"(me (hago|hice|estoy haciendo)|hacerme) (dano|danio)(?! (en el|jugando|entrenando|"
        r"en la rodilla|en la espalda|al caer|cocinando))",
        r"(me corto|me corte|cortarme|me volvi a cortar|me estoy cortando) (otra vez|de nuevo|los brazos|"
        r"las munecas|la muneca|las piernas|el brazo)",
        r"autolesion(es|arme|andome)?",
        r"(buscando|busque|investigando|investigue) (como|formas de|maneras de) (matarme|morir|suicidarme|"
        r"quitarme la vida)",
        r"(ya )?no (aguanto|puedo) (mas )?(vivir|seguir viviendo)",
    ),
    "moderate": (
        r"sin esperanza(s)?",
        r"no valgo nada",
        r"(soy|me siento|me siento como) una carga",
        r"(estarian|estaria|estarias|estaran) mejor sin mi",
        r"(ya )?no (puedo|aguanto) mas",
        r"no (hay|tengo|le veo|veo) (ninguna )?salida",
        r"me odio",
        r"(me siento|estoy|me siento muy) (vaci[oa] por dentro|atrapad[oa])",
        r"(a nadie le importaria|nadie me (extranaria|echaria de menos|notaria))",
        r"(rendirme|me rindo) (con|de) (todo|la vida)",
    ),
    "low": (
        r"deprimid[oa]",
        r"depresion",
        r"ansiedad",
        r"ataques? de panico",
        r"no puedo dormir",
        r"(me siento|estoy|me quede) sol[oa]",
        r"triste",
        r"llorando",
        r"agobiad[oa]",
        r"estresad[oa]",
        r"recaida",
        r"(mal|mala|pesima) (dia|semana|noche|racha)",
    ),
}
# Just before a Spanish phrase, in its clause, a denial that governs it: "no" and the words of a
# denial only ("no me quiero morir", "no tengo planes de hacerme dano", "500 dias sin hacerme
# dano"), or a question ("me pregunto si pienso en hacerme dano"). Not any "no" nearby: "no puedo
# mas y me quiero morir", "no se que hacer, ya no quiero vivir" are not denials.
SPANISH_DENIED = re.compile(
    r"(?<!\w)(no|ni|nunca|jamas|tampoco|sin)( (me|te|lo|estoy|estaba|voy a|pienso|pensaba|pensando|pensado|"
    r"planeando|diciendo|quiero|queria|he|estado|tengo|tenia|tenido|siento|hay|es que|en|de|q|que))*"
    r"( (ningun|ninguna|ningunos|nada de))?"
    r"( (plan|planes|ganas|ideas|intencion|intenciones|pensamientos|deseo|deseos)( de)?)?$"
    r"|(?<!\w)(pregunt\w*|saber|sabe|se)( \w+){0,3} si( \w+){0,3}$"
    r"|(?<!\w)(dejar|deje|dejo) de$"
)
# Anywhere in the message: a joke, a figure of speech, a game or a song, the past or a recovery.
# The phrase is then moderate, as the English ones are, and the model decides.
# Laughter, for the Spanish phrases' context (SPANISH_NOT_NOW) and the model's cue "joking" alike.
_SPANISH_LAUGHS = r"ja(ja)+\w*|js(js)+\w*|je(je)+|xd+"
SPANISH_NOT_NOW = re.compile(
    rf"(?<!\w)({_SPANISH_LAUGHS}|q oso|que oso|nmms|boludo|jaj\w*)(?!\w)"
    r"|[\U0001F480\U0001F62D\U0001F602\U0001F923]"
    r"|\bde (la )?(verguenza|pena|risa|emocion)\b"
    r"|\b(cancion|la serie|la novela|la pelicula|la peli|el capitulo|el personaje|el libro|el partido|el juego|"
    r"el videojuego|la partida|mi equipo|el equipo|clasico|gol|liga|torneo|reguet\w*|concierto)\b"
    r"|\bhace (\d+|mucho|muchos|varios|dos|tres|cinco|diez|un|una|anos|meses|tiempo)\b"
    r"|\bllevo (\d+|\w+) (anos|meses|dias|semanas)\b|\b(\d+|un|una|dos|tres|seis) (anos?|meses|dias|semanas) "
    r"(sin|limpi[oa])\b|\blimpi[oa] de\b"
    r"|\bde (joven|adolescente|chic[oa]|chamac[oa]|nin[oa])\b|\bcuando tenia \d+\b|\bahora tengo \d+\b"
    r"|\btengo \d+ y\b|\bya (lo )?(supere|pase|sali)\b|\ben (el )?(19|20)\d\d\b|\bel ano pasado\b"
    r"|\ben la (prepa|secundaria|universidad|pandemia)\b|\bantes (ponia|pensaba|queria|me)\b|\bhoy cumplo\b"
    r"|\brecuerdo (la|el|cuando)\b|\b(me recupere|sali de|salir de|he sobrevivido|en el pasado|ya voy \d+)\b"
)
SPANISH_IN_EARNEST = re.compile(r"\b(en serio|no es broma|lo digo en serio|no estoy bromeando|de verdad lo digo)\b")
# Before the phrase in its clause: someone else's words or someone else as the subject.
SPANISH_SOMEONE_ELSE = re.compile(
    r"\b(me dijo|me escribio|me mando|dice que|dijo que|dijo|puso|cree que|creen que|piensa que|piensan que|"
    r"pensar que|pensar q|cree q|creen q|piensa q|dice q|dijo q|escribi q|escribi que|dice|decia|canta|puse)\b"
    r"[^.?!]*$"
    r"|\bmi (amig|hij|herman|mama|papa|madre|padre|novi|espos|pareja|prim|vecin|companer|alumn|ex)\w* "
    r"(tiene|dice|dijo|esta|anda|tuvo|habla)\b[^.?!]*$"
)
# Accents folded one character for one (so positions stay those of the normalised text).
_UNACCENTED = {
    code: unicodedata.normalize("NFD", chr(code))[0]
    for code in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(code))) > 1
}


def fold_accents(normalised: str) -> str:
    return normalised.translate(_UNACCENTED)


# The model's harmless categories as a peer or a moderator reads them ("neg_figurative" is the
# corpus's name); the others read as their names ("wish dead", "self harm").
CATEGORY_WORDS = {
    "neg_figurative": "a figure of speech",
    "neg_sport_media": "sport, a game or media",
    "neg_history": "the past or a recovery story",
    "neg_third_person": "about someone else",
    "neg_medication": "medication talk",
    "neg_everyday": "everyday talk",
    "neg_negated": "a denial",
}


def category_words(category: str | None) -> str:
    return CATEGORY_WORDS.get(category or "", (category or "").replace("_", " "))


@dataclass(frozen=True)
class Assessment:
    level: str
    matches: tuple[str, ...]  # the phrases the rules matched
    source: str = "rules"  # which half set the level: "rules" or "model"
    category: str | None = None  # the model's category (e.g. "wish_dead"), when it set the level
    score: float | None = None  # the model's P(high or imminent)
    examples: tuple[str, ...] = ()  # training lines nearest the text, in the model's category
    # The rules read `high` but the model was sure the text is harmless (services/risk.py): the
    # level is `moderate`, and `category`, `score` and `examples` say what the model read.
    overruled: bool = False

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    def why(self) -> dict[str, Any]:
        """For the peer's banner and the moderator's queue item."""
        model = {
            "category": self.category,
            "reads_as": category_words(self.category),
            "score": self.score,
            "examples": list(self.examples),
        }
        if self.source == "model":
            return {"source": "model", **model}
        rule = {"source": "rules", "rule": self.matches[0] if self.matches else None}
        return {**rule, "overruled": True, **model} if self.overruled else rule

    def reason(self) -> str:
        """One line for the moderator's queue item: why the level (after "risk: <level>")."""
        like = "; ".join(f"\u201c{e}\u201d" for e in self.examples)
        read = f"the model reads it as {category_words(self.category)} ({self.score or 0:.0%}), like {like}"
        if self.source == "model":
            return f"why: {read}"
        rule = f"why: the rule matched \u201c{self.matches[0]}\u201d" if self.matches else "why: the rules"
        return f"{rule}, but {read}" if self.overruled else rule


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", folded)


_PHRASE_LEVELS = ("imminent", "high", "moderate", "low")


def _compile(phrases: Mapping[str, Sequence[str]]) -> list[tuple[str, re.Pattern[str]]]:
    compiled = []
    for level in _PHRASE_LEVELS:
        for phrase in phrases.get(level, ()):
            compiled.append((level, re.compile(rf"(?<![\w'])(?:{phrase})(?![\w'])")))
    return compiled


def _compile_own(extra: Mapping[str, Sequence[str]]) -> list[tuple[str, re.Pattern[str]]]:
    """An organisation's own phrases (RISK_EXTRA_PHRASES), compiled once per setting: every
    assessment reads them, and the overrule check reads them again."""
    return _compile_frozen(tuple((level, tuple(extra.get(level, ()))) for level in _PHRASE_LEVELS))


@functools.lru_cache(maxsize=8)
def _compile_frozen(phrases: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern[str]]]:
    return _compile(dict(phrases))


def _compile_list(phrases: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(rf"(?<![\w'])(?:{p})(?![\w'])") for p in phrases]


_DEFAULT = _compile(RISK_PHRASES)
_SPANISH = _compile(SPANISH_PHRASES)
_FIGURATIVE = _compile_list(FIGURATIVE)
_DENIALS = _compile_list(DENIALS)
_NOT_OWN_RISK = _FIGURATIVE + _DENIALS


def _clause_before(text: str, start: int) -> str:
    """The words of the same clause before `start` (a comma or a full stop ends a clause)."""
    return re.split(r"[,;.!?]", text[:start])[-1].strip()


_NEGATION = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(n) for n in NEGATIONS) + r")(?![\w'])")


def _negated(text: str, start: int) -> bool:
    window = " ".join(_clause_before(text, start).split()[-NEGATION_WINDOW - 1 :])
    return _NEGATION.search(window) is not None


def _about_someone_else(text: str, start: int) -> bool:
    clause = _clause_before(text, start)
    if THIRD_PERSON_SUBJECT.search(" ".join(clause.split()[-5:])):
        return True
    # Someone else's words reported ("my friend keeps saying kms", "my brother said he's going
    # to end it"), with nothing of the writer's own after the reporting verb.
    reported = REPORTED_SPEECH.search(clause)
    return reported is not None and not FIRST_PERSON.search(reported.group("after"))


def _in_reported_quote(text: str, start: int, end: int) -> bool:
    quotes = [m.span() for m in re.finditer(r"\"[^\"]*\"|'[^']{8,}'", text)]
    inside = any(a <= start and end <= b for a, b in quotes)
    return inside and any(cue in text for cue in REPORTING_CUES)


def _quoting_someone_else(text: str, start: int, end: int) -> bool:
    # Single quotes open and close at word boundaries: the apostrophes of "shouldn't ... can't" are not a quotation.
    for quote in re.finditer(r"\"[^\"]*\"|(?<!\w)'[^']{8,}'(?!\w)", text):
        if quote.start() <= start and end <= quote.end():
            return QUOTED_BY_SOMEONE.search(text[max(0, quote.start() - 80) : quote.start()]) is not None
    return False


def _sentence(text: str, start: int) -> str:
    left = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start))
    right_candidates = [i for i in (text.find(".", start), text.find("!", start), text.find("?", start)) if i != -1]
    return text[left + 1 : min(right_candidates) if right_candidates else len(text)]


def _recovery_story(text: str) -> bool:
    """A recovery story, told anywhere in the message, unless it has come back now."""
    return RECOVERY.search(text) is not None and not (RELAPSE.search(text) or OWN_INTENT.search(text))


def _joking(text: str, earnest: bool) -> bool:
    """Said laughing, unless the message takes the joke back (`earnest`)."""
    return not earnest and JOKING.search(text) is not None


def _past(text: str) -> bool:
    return any(cue in text for cue in PAST_CUES) or PAST_YEAR.search(text) is not None


def _plot(text: str) -> bool:
    """A game, a show or a book, unless the writer's own intent is beside it."""
    return FICTION.search(text) is not None and OWN_INTENT.search(text) is None


def _not_plainly_now(sentence: str, earnest: bool) -> bool:
    """The past, a joke (unless taken back) or a plot: the sentence's phrase counts as moderate."""
    return _joking(sentence, earnest) or _past(sentence) or _plot(sentence)


@dataclass(frozen=True)
class _Reading:
    assessment: Assessment
    first_matches: tuple[tuple[str, int], ...]  # (level, start) of each listed phrase's first match
    spanish_first_matches: tuple[tuple[str, str], ...]  # (level, the clause before it), per Spanish phrase


def rules(text: str, extra: Mapping[str, Sequence[str]] | None = None) -> Assessment:
    """The highest level any phrase reaches, after the negation, quotation, figurative,
    past and third-person rules."""
    normalised = normalise(text)
    if extra:
        return _reading(normalised, _DEFAULT + _compile_own(extra)).assessment
    return _read(normalised).assessment


def matches_own_phrases(text: str, extra: Mapping[str, Sequence[str]] | None) -> bool:
    """Whether one of an organisation's own phrases (RISK_EXTRA_PHRASES) at high or imminent is
    in the text: the model never overrules those."""
    if not extra:
        return False
    normalised = normalise(text)
    return any(p.search(normalised) for level, p in _compile_own(extra) if level in ("high", "imminent"))


@functools.lru_cache(maxsize=512)
def _read(normalised: str) -> _Reading:
    """The listed phrases' reading, once per text: an assessment asks for it twice (the level,
    the model's cues)."""
    return _reading(normalised, _DEFAULT)


def _reading(normalised: str, patterns: list[tuple[str, re.Pattern[str]]]) -> _Reading:
    skipped_spans: list[tuple[int, int]] | None = None  # found at the first match only
    recovering = _recovery_story(normalised)
    earnest = IN_EARNEST.search(normalised) is not None
    best, matches, first_matches = 0, [], []
    for level, pattern in patterns:
        first = True
        for match in pattern.finditer(normalised):
            start, end = match.span()
            if first:
                first_matches.append((level, start))
                first = False
            if skipped_spans is None:
                skipped_spans = [m.span() for f in _NOT_OWN_RISK for m in f.finditer(normalised)]
            if any(a <= start < b or a < end <= b for a, b in skipped_spans):
                continue
            rank = LEVELS.index(level)
            phrase_has_negation = any(n in match.group(0).split() for n in ("don't", "dont", "not", "no"))
            if rank >= LEVELS.index("moderate") and not phrase_has_negation and _negated(normalised, start):
                continue
            if _in_reported_quote(normalised, start, end):
                continue
            sentence = _sentence(normalised, start)
            if rank >= LEVELS.index("high") and (_not_plainly_now(sentence, earnest) or recovering):
                rank = LEVELS.index("moderate")
            if rank >= LEVELS.index("high") and (
                ("myself" not in match.group(0) and _about_someone_else(normalised, start))
                or _quoting_someone_else(normalised, start, end)
            ):
                rank = LEVELS.index("moderate")
            if rank > best:
                best = rank
            matches.append(match.group(0))
    spanish_best, spanish_matches, spanish_first = _spanish_reading(normalised)
    best = max(best, spanish_best)
    matches += spanish_matches
    return _Reading(Assessment(LEVELS[best], tuple(dict.fromkeys(matches))), tuple(first_matches), spanish_first)


def _spanish_reading(normalised: str) -> tuple[int, list[str], tuple[tuple[str, str], ...]]:
    """The Spanish phrases' level: skipped when denied, moderate when someone else's or when the
    message reads as a joke, a figure of speech, a song or game, or the past."""
    folded = fold_accents(normalised)
    not_now = SPANISH_NOT_NOW.search(folded) is not None and SPANISH_IN_EARNEST.search(folded) is None
    best, matches, first_matches = 0, [], []
    for level, pattern in _SPANISH:
        for i, match in enumerate(pattern.finditer(folded)):
            before = _clause_before(folded, match.start())
            if i == 0:
                first_matches.append((level, before))
            if SPANISH_DENIED.search(before):
                continue
            rank = LEVELS.index(level)
            if not_now or SPANISH_SOMEONE_ELSE.search(before):
                rank = min(rank, LEVELS.index("moderate"))
            best = max(best, rank)
            matches.append(normalised[match.start() : match.end()])
    return best, matches, tuple(first_matches)


# Context cues for the model ------------------------------------------------------------------

# Spanish context cues for the model, of the same kinds as the English ones and under the same
# names, so that what the model learns of one helps the other.
_SPANISH_CUES = {
    "recovery": re.compile(
        r"\bhace (\d+|muchos|varios|dos|tres|cinco|diez) (anos|meses)\b|\bllevo (\d+|\w+) (anos|meses|"
        r"dias) (sin|limpi[oa])\b"
        r"|\bde (joven|adolescente|chic[oa])\b|\bcuando tenia \d+\b|\bahora tengo \d+\b|\bya lo supere\b|\bya pas[oe]\b"
    ),
    "joking": re.compile(rf"\b({_SPANISH_LAUGHS})\b"),
    "fiction": re.compile(
        r"\b(la serie|la novela|la telenovela|la pelicula|la peli|el capitulo|el personaje|el libro|"
        r"la cancion|el partido|"
        r"el juego|el videojuego|la partida)\b"
    ),
    "third_person": re.compile(
        r"\bmi (amig[oa]|hij[oa]|herman[oa]|mama|papa|novi[oa]|espos[oa]|pareja|prim[oa]|vecin[oa]|"
        r"companer[oa]|alumn[oa])\b"
        r"|\b(me dijo|me escribio|me mando|dice que|dijo que)\b"
    ),
    "denial": re.compile(
        r"\bno (me )?quiero (morir|matarme|hacerme)\b|\bno pienso (hacerme|matarme|quitarme)\b|\bno es una despedida\b"
        r"|\bestoy a salvo\b|\bno voy a hacerme\b"
    ),
}
_CONTEXT_PATTERNS = {"figurative": _FIGURATIVE, "denial": _DENIALS}


def context_cues(text: str) -> frozenset[str]:
    """What the rules read of a text's context, as named cues the model takes as features: the
    phrase levels matched before context and the rules' level after it, and whether the text
    tells of the past, a recovery, a joke, a plot, someone else, a denial or a figure of speech.
    The model learns what a cue does to a phrase ("kill myself" with "recovery") from examples."""
    normalised = normalise(text)
    reading = _read(normalised)
    found = {f"rules_{reading.assessment.level}"}
    if _recovery_story(normalised):
        found.add("recovery")
    if _past(normalised):
        found.add("past")
    if _joking(normalised, IN_EARNEST.search(normalised) is not None):
        found.add("joking")
    if _plot(normalised):
        found.add("fiction")
    for name, patterns in _CONTEXT_PATTERNS.items():
        if any(p.search(normalised) for p in patterns):
            found.add(name)
    for level, start in reading.first_matches:
        found.add(f"phrase_{level}")
        if _about_someone_else(normalised, start):
            found.add("third_person")
        if _negated(normalised, start):
            found.add("negated")
    for level, before in reading.spanish_first_matches:
        found.add(f"phrase_{level}")
        if SPANISH_SOMEONE_ELSE.search(before):
            found.add("third_person")
        if SPANISH_DENIED.search(before):
            found.add("negated")
    folded = fold_accents(normalised)  # as the Spanish phrases read it
    found.update(name for name, pattern in _SPANISH_CUES.items() if pattern.search(folded))
    return frozenset(found)


def fingerprint() -> str:
    """Of everything `context_cues` reads: a model file trained with other rules records another
    one, and its cue features would no longer mean what they meant in training."""
    lists: Any = [RISK_PHRASES, NEGATIONS, FIGURATIVE, DENIALS, REPORTING_CUES, PAST_CUES]
    lists += [p.pattern for p in (PAST_YEAR, RECOVERY, RELAPSE, OWN_INTENT, JOKING, IN_EARNEST, FICTION)]
    lists += [THIRD_PERSON_SUBJECT.pattern]
    lists += [REPORTED_SPEECH.pattern, QUOTED_BY_SOMEONE.pattern, FIRST_PERSON.pattern, NEGATION_WINDOW]
    lists += [p.pattern for p in _SPANISH_CUES.values()]
    lists += [SPANISH_PHRASES]
    lists += [p.pattern for p in (SPANISH_DENIED, SPANISH_NOT_NOW, SPANISH_IN_EARNEST, SPANISH_SOMEONE_ELSE)]
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()[:16]
