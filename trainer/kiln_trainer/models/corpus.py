"""The English text the built-in tokenizer is trained on (`python -m kiln_trainer.models.corpus`).

Hand-written paragraphs for ordinary prose, plus seeded template sentences that add breadth:
numbers, names, questions and answers, chat turns, lists, a little code. Deterministic, so the
shipped `assets/corpus.txt` can be re-created byte for byte.
"""

from __future__ import annotations

import random
from pathlib import Path

CORPUS_PATH = Path(__file__).parent / "assets" / "corpus.txt"

PARAGRAPHS = [
    """The potter opened the kiln on a cold morning. Steam rose from the bricks, and the shelves
were still too hot to touch. She waited, drinking tea by the window, and counted the pots she
could see through the spy hole. Some glazes had run; others had turned a deep, quiet green.
Firing is patient work: the clay remembers every mistake, and the fire shows them all.""",
    """Water moves in a cycle. The sun warms the sea, water evaporates, and the vapour rises
until it cools and condenses into clouds. When the droplets grow heavy enough, they fall as
rain or snow. Rivers carry the water back to the sea, and the cycle begins again. Along the
way it shapes valleys, feeds forests and fills the wells of towns.""",
    """To make a simple bread, mix flour, water, salt and a little yeast. Knead the dough for ten
minutes until it is smooth and springs back when you press it. Leave it in a warm place for an
hour, shape it into a loaf, and let it rise again. Bake it in a hot oven for about forty
minutes. The crust should be brown, and the loaf should sound hollow when you tap it.""",
    """Printing changed how ideas travelled. Before movable type, books were copied by hand, and
a single volume could take months. Presses made it possible to produce hundreds of copies in
the time it once took to make one. Pamphlets, newspapers and schoolbooks spread across
cities, and more people learned to read because there was more to read.""",
    """A computer program is a list of instructions. The processor reads them one at a time,
fetches numbers from memory, adds or compares them, and writes the results back. Programs
become useful when they are built from small pieces that each do one job well. A good
function has a clear name, takes plain inputs, and returns a result you can test.""",
    """The train left the station a few minutes late. Outside, fields gave way to low hills and
then to a grey, windy coast. A child in the next seat counted the tunnels aloud, and an old man
read the same page of his newspaper again and again. By the time we reached the city, the rain
had stopped and the streets shone under the lamps.""",
    """Gardening teaches patience. Seeds sown in spring may not flower until summer, and fruit
trees can take years before they bear a good crop. Good soil matters more than expensive
tools. Add compost every autumn, water deeply rather than often, and learn which plants like
sun and which prefer shade. Weeds are easiest to pull after rain.""",
    """Stars are enormous balls of hot gas. Deep in their cores, hydrogen fuses into helium and
releases energy that slowly works its way to the surface. Our sun is an ordinary star, about
halfway through its life. On a clear night far from city lights, you can see thousands of
stars, the pale band of the Milky Way, and sometimes a planet that does not twinkle.""",
    """Dear Maria, thank you for your letter and for the photographs of the new house. The
garden looks wonderful, and I can see why you chose the room with the big window. We are all
well here. The children have started school again, and the dog has learned to open the back
door by himself, which is less charming than it sounds. Write again soon. With love, Tom.""",
    """Music is organised sound. A melody is a line of notes that rise and fall; harmony is what
happens when several notes sound together; rhythm is the pattern of long and short beats that
makes you want to tap your foot. Many songs repeat a short phrase with small changes, so the
listener can follow along and still be surprised.""",
    """Bees are important pollinators. As they collect nectar and pollen, they carry pollen from
one flower to another, which lets plants produce seeds and fruit. A single hive can hold tens
of thousands of bees. The workers divide their tasks by age: young bees clean and feed larvae,
while older bees fly out to forage, sometimes several kilometres from home.""",
    """The meeting started at nine o'clock. First, the team reviewed last week's results: sales
were up three percent, but costs had risen faster. Then they discussed the plan for the next
quarter. Everyone agreed to focus on fewer products and to improve the ones customers already
liked. The meeting ended early, which nobody complained about.""",
    """Exercise does not have to be complicated. A brisk walk every day strengthens the heart,
improves sleep and lifts the mood. Stretching keeps muscles flexible, and simple exercises
such as squats and push-ups build strength without any equipment. The most important thing is
to start slowly, listen to your body, and keep going even when progress feels slow.""",
    """Once upon a time, a fox found a bunch of grapes hanging from a vine high above the path.
He jumped and jumped but could not reach them. At last he walked away, saying, "They were
probably sour anyway." People still use the story to describe someone who pretends not to
want what they cannot have.""",
    """Markets work when buyers and sellers can find each other and agree on a price. If many
people want something that is scarce, its price rises; if a product is plentiful and few want
it, its price falls. Prices carry information: they tell farmers what to plant, builders what
to build, and families what to save for.""",
    """The library was quiet except for the hum of the heating and the soft turning of pages. A
student in the corner was asleep on a pile of history books. At the desk, the librarian stamped
returned books and sorted them onto a trolley. Outside, the snow kept falling, and the
streetlights came on one by one.""",
    """Machine learning systems learn patterns from examples. A language model, for instance,
reads a large amount of text and learns to predict the next word. To fine-tune such a model,
you show it examples of the behaviour you want: a prompt and a good completion. The model's
weights are adjusted a little after each batch, so that good completions become more likely.""",
    """Before you travel, check that your passport is valid, pack a charger and a copy of your
booking, and tell your bank where you are going. Carry some local money for the first day.
Learn a few words of the language: hello, please, thank you, and where is the station. People
are usually kind to visitors who try.""",
    """The river flooded in the spring of that year. Farmers moved their animals to higher ground,
and the school was closed for a week. When the water went down, it left a layer of rich mud
across the fields. The harvest that autumn was the best anyone could remember.""",
    """Cats sleep for much of the day, but they are busy at dawn and dusk, when their prey is most
active. They have excellent hearing and can turn their ears to find the source of a sound. Dogs,
by contrast, rely heavily on smell. A dog's nose can detect scents at concentrations far too low
for any human to notice.""",
    """A good question is half of the answer. When something goes wrong, write down exactly what
you expected, what happened instead, and what you tried. Often the act of writing it down
reveals the mistake. If it does not, you now have a clear report that someone else can help
with.""",
    """The bridge was built over three summers. Engineers tested the ground, poured concrete
foundations deep into the riverbed, and raised steel towers on each bank. Cables were strung
between the towers and the deck was hung beneath them. On the opening day, the whole town walked
across it, and a brass band played on the far side.""",
    """Mathematics is the study of patterns. Numbers describe quantities, geometry describes
shapes, and algebra lets us reason about unknown values. Two plus two is four, seven times eight
is fifty-six, and the angles of a triangle add up to one hundred and eighty degrees. Proofs
explain why such facts must be true, not just that they are.""",
    """Every morning the baker arrived before sunrise. She lit the ovens, weighed the flour and
started the first batch of rolls. By six o'clock there was a queue outside: builders wanting
coffee, nurses coming off the night shift, and parents with sleepy children. She knew most of
them by name and many of them by their usual order.""",
    """Wind turbines turn the energy of moving air into electricity. The blades are shaped like
aircraft wings, so the wind produces lift that spins the rotor. A gearbox and generator in the
housing at the top convert the rotation into electric current. Turbines work best on hills and
at sea, where the wind is strong and steady.""",
]

NAMES = [
    "Alice",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Kemi",
    "Liam",
    "Mei",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
PLACES = [
    "the market",
    "the park",
    "the library",
    "the station",
    "the museum",
    "the beach",
    "the office",
    "the garden",
    "the kitchen",
    "the harbour",
    "the village",
    "the school",
]
VERBS_PAST = [
    "visited",
    "painted",
    "cleaned",
    "found",
    "repaired",
    "described",
    "photographed",
    "measured",
    "opened",
    "closed",
    "watched",
    "explored",
    "borrowed",
    "carried",
]
OBJECTS = [
    "a red bicycle",
    "an old map",
    "the blue door",
    "a wooden chair",
    "three letters",
    "a small boat",
    "the broken clock",
    "a basket of apples",
    "the heavy box",
    "a new notebook",
    "a silver key",
    "the garden gate",
    "a bowl of soup",
    "a paper kite",
]
TIMES = [
    "yesterday",
    "this morning",
    "last week",
    "on Monday",
    "in the evening",
    "at noon",
    "after lunch",
    "before dinner",
    "on Saturday",
    "in the spring",
    "at midnight",
]
ADJECTIVES = [
    "quiet",
    "bright",
    "careful",
    "happy",
    "tired",
    "curious",
    "busy",
    "patient",
    "clever",
    "brave",
    "gentle",
    "honest",
    "quick",
    "calm",
]
TOPICS = [
    "the weather",
    "a good book",
    "the news",
    "cooking",
    "football",
    "gardening",
    "the history of the town",
    "music",
    "a trip to the mountains",
    "learning French",
]
COUNTRIES = [
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Germany", "Berlin"),
    ("Egypt", "Cairo"),
    ("Canada", "Ottawa"),
    ("Peru", "Lima"),
    ("Kenya", "Nairobi"),
    ("India", "New Delhi"),
    ("Norway", "Oslo"),
    ("Brazil", "Brasilia"),
    ("Chile", "Santiago"),
    ("Greece", "Athens"),
]
WORDS = [
    "apple",
    "river",
    "window",
    "garden",
    "planet",
    "yellow",
    "basket",
    "candle",
    "forest",
    "silver",
    "pencil",
    "winter",
    "number",
    "orange",
    "rocket",
    "letter",
    "bridge",
    "tiger",
    "flower",
    "market",
    "castle",
    "dragon",
    "button",
    "summer",
    "kitten",
    "island",
]
# Common English words, so the merges cover everyday vocabulary beyond the templates above.
_COMMON_WORDS_TEXT = """
about above across act add afraid after again against age ago agree air all allow almost alone
along already also always among amount angry animal another answer any appear area arm army
around arrive art ask attack aunt autumn away baby back bad bag ball band bank base bath bear
beat beautiful because become bed before begin behind believe bell belong below bench best
better between big bird birth bit bite black blade blind block blood blow board body boil bone
born borrow both bottle bottom bowl brain branch bread break breakfast breath brick bring
broad brother brown build burn business butter buy cake call camp can capital car card care
carry case catch cause centre certain chain chance change cheap check cheese chest chicken
chief child choose church circle city class clean clear climb close cloth cloud coast coat
cold collect colour comb come common company compare complete cook cool copper corn corner
correct cost cotton cough count country course cover cow crack cream crime cross crowd cry
cup cure current curtain cushion custom cut damage danger dark daughter day dead dear death
debt decide deep degree depend desert design desk detail develop different difficult dinner
direction dirty discover dish distance divide doctor dollar double doubt down drain draw dream
dress drink drive drop dry duck during dust duty early earth east easy eat edge effect egg
either electric else empty end enemy engine enjoy enough enter equal escape even event ever
every exact example excite expect expensive experience explain eye face fact fail fair fall
false family famous far farm fast fat father fault fear feather feel fellow fence fever few
field fight figure fill film final fine finger finish fire first fish fit flag flame flat
flight floor flour fly fold follow food foot force foreign forget form forward frame free
fresh friend front fruit full fun future game gas general gentle get gift girl give glad
glass go goat gold good govern grain grass great green grey ground group grow guard guess
guest guide gun hair half hall hammer hand hang happen harbour hard hat hate have head health
hear heart heat heavy height help here hide high hill history hold hole holiday hollow home
hope horse hospital hot hour house however human hunger hurry hurt husband ice idea important
inch include increase industry ink insect inside instrument interest invent iron island join
journey joy judge juice jump just keep kettle kind king kiss knee knife knock know lake lamp
land language large last late laugh law lay lead leaf learn leather leave left leg lend length
less lesson level lie life lift light like limit line lion lip liquid list listen little live
lock long look loose lose loud love low lower luck lunch machine main make male manage many
mark market marry mass match material matter meal mean meat medicine meet member memory metal
middle might milk mind minute miss mix model moment money monkey month moon morning most
mother motion mountain mouth move much muscle nail name narrow nation natural near neck need
needle nerve nest net never new news next nice night noise north nose note nothing notice now
nut object ocean offer office oil old only open opinion order organ other oven over own page
pain paint pair pan paper parcel part party pass past paste path pay peace pen people pepper
perhaps person picture piece pig pin pipe place plain plant plate play please pleasure plenty
pocket point poison police polish poor popular position possible pot potato pound powder
power present press pretty price print prison private prize problem produce profit promise
proper protect proud public pull pump punish pupil purpose push quarter queen question quick
rabbit race radio rail rain raise range rat rate ray reach ready real reason receive record
reduce regret relation remain remember rent repeat reply report rest result return reward
rice rich ride right ring ripe rise road rock roll roof room root rope rough round row rub
rule run sad safe sail salt same sand save say scale school science scissors screw sea seat
second secret see seed seem sell send sense serve set shade shake shame shape share sharp
sheep shelf shell shine ship shirt shock shoe shop short shoulder show shut side sign silk
simple since sing single sister sit size skin skirt sky sleep slip slope slow small smell
smile smoke smooth snake snow soap society sock soft soldier solid son song soon sort sound
soup south space spade speak special speed spend spoon sport spring square stage stamp stand
star start station steam steel stem step stick still sting stitch stocking stomach stone stop
store storm story straight strange street stretch strong student study subject substance
succeed sudden sugar suit sun supply support surprise sweet swim system table tail take talk
tall taste tax teach team tear tell tent test thick thin thing thought thread throat thumb
ticket tight till time tin toe together tomorrow tongue tooth top touch towel tower town toy
trade train tray tree trick trouble trousers true turn twist umbrella uncle under unit use
valley value verse vessel view voice wage wait wake walk wall war warm wash waste watch water
wave wax way weak wealth wear week weight west wet wheel whip whistle white whole wide wife
wild wind wine wing winter wire wise woman wood wool word work world worm wound wrong year
yesterday young zebra
"""
COMMON_WORDS = _COMMON_WORDS_TEXT.split()

NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def _story_sentence(r: random.Random) -> str:
    return f"{r.choice(NAMES)} {r.choice(VERBS_PAST)} {r.choice(OBJECTS)} at {r.choice(PLACES)} {r.choice(TIMES)}."


def _description(r: random.Random) -> str:
    name, adj = r.choice(NAMES), r.choice(ADJECTIVES)
    return (
        f"{name} is a {adj} person who likes to talk about {r.choice(TOPICS)}. "
        f"{r.choice(['She', 'He', 'They'])} usually goes to {r.choice(PLACES)} "
        f"{r.choice(TIMES)}."
    )


def _numbers(r: random.Random) -> str:
    a, b = r.randint(0, 99), r.randint(0, 99)
    op = r.choice(["plus", "minus", "times"])
    value = {"plus": a + b, "minus": a - b, "times": a * b}[op]
    return r.choice(
        [
            f"What is {a} {op} {b}?\n{value}",
            f"{a} {op} {b} equals {value}.",
            f"There were {a} people at {r.choice(PLACES)} and {b} more arrived later.",
            f"The year {r.randint(1500, 2030)} saw {r.randint(2, 40)} new books about {r.choice(TOPICS)}.",
            f"Price: ${r.randint(1, 500)}.{r.randint(0, 99):02d} ({r.randint(1, 60)}% off)",
            f"{NUMBER_WORDS[a % 21].capitalize()} and {NUMBER_WORDS[b % 21]} make {(a % 21) + (b % 21)}.",
        ]
    )


def _qa(r: random.Random) -> str:
    country, capital = r.choice(COUNTRIES)
    word = r.choice(WORDS)
    return r.choice(
        [
            f"What is the capital of {country}?\n{capital}",
            f"The capital of {country} is {capital}.",
            f"Reverse the word: {word}\n{word[::-1]}",
            f"Convert to uppercase: {word} {r.choice(WORDS)}\n{word.upper()}",
            f"How many letters are in the word {word}? It has {len(word)} letters.",
            f"Question: Where did {r.choice(NAMES)} go {r.choice(TIMES)}?\nAnswer: To {r.choice(PLACES)}.",
        ]
    )


def _chat(r: random.Random) -> str:
    topic = r.choice(TOPICS)
    return (
        f"<|system|>\nYou are a helpful assistant.\n<|user|>\nCan you tell me about {topic}?"
        f"\n<|assistant|>\nOf course. {r.choice(NAMES)} once said that {topic} is "
        f"{r.choice(ADJECTIVES)} work, and I agree.<|endoftext|>"
    )


def _code(r: random.Random) -> str:
    name = r.choice(WORDS)
    n = r.randint(2, 9)
    return r.choice(
        [
            f"def {name}_count(items):\n    return sum(1 for x in items if x > {n})\n",
            f'{{"name": "{name}", "size": {n}, "tags": ["{r.choice(WORDS)}", "{r.choice(WORDS)}"]}}',
            f"for i in range({n}):\n    print(i * {r.randint(2, 9)})\n",
            f"- {name}: {n} units\n- {r.choice(WORDS)}: {r.randint(1, 99)} units\n",
        ]
    )


def _common_words(r: random.Random) -> str:
    words = [r.choice(COMMON_WORDS) for _ in range(r.randint(4, 9))]
    return r.choice(
        [
            f"The words {', '.join(words[:-1])} and {words[-1]} are all common.",
            f"{words[0].capitalize()} {' '.join(words[1:])}.",
            f"A {words[0]} is not the same as a {words[1]}, but both need {words[2]}.",
            f'Write a sentence with the word "{words[0]}".\nThe {words[0]} was near the {words[1]}.',
        ]
    )


def build_corpus(seed: int = 0, n_generated: int = 2500) -> str:
    r = random.Random(seed)
    makers = [_story_sentence, _description, _numbers, _qa, _chat, _code, _common_words]
    parts = [" ".join(p.split()) for p in PARAGRAPHS]
    for _ in range(n_generated):
        parts.append(r.choice(makers)(r))
    return "\n\n".join(parts) + "\n"


def main() -> None:
    text = build_corpus()
    CORPUS_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {CORPUS_PATH} ({len(text.encode()) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
