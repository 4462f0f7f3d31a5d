"""The words the claim parser knows: every name a listener would use for the detector's labels (synonyms, plurals,
hypernyms such as "vehicle" or "pet"), the reviewed words an LLM may add (kinds of place, materials, weather, time of
day), the physical things perception cannot know (stairs, doors, kerbs), and number words.

One list for the gate (language/gate.py), `echollama eval`'s judge (evaluation/listener.py) and the pair scorer.
"""

from __future__ import annotations

from functools import cache

from echollama.scene.size_priors import SIZE_PRIORS_M
from echollama.scene.words import SPOKEN_NAMES, inflect_engine, plural

# Names people use for COCO classes beyond SPOKEN_NAMES (question grounding); many once lived only in the judge.
MORE_NAMES = {
    "plane": "airplane",
    "aeroplane": "airplane",
    "jet": "airplane",
    "aircraft": "airplane",
    "lorry": "truck",
    "van": "car",
    "scooter": "motorcycle",
    "ship": "boat",
    "yacht": "boat",
    "canoe": "boat",
    "tram": "train",
    "pony": "horse",
    "foal": "horse",
    "calf": "cow",
    "cattle": "cow",
    "lamb": "sheep",
    "doggy": "dog",
    "eagle": "bird",
    "duck": "bird",
    "gull": "bird",
    "seagull": "bird",
    "pigeon": "bird",
    "football": "sports ball",
    "soccer ball": "sports ball",
    "basketball": "sports ball",
    "tennis ball": "sports ball",
    "billiard ball": "sports ball",
    "crowd": "person",
    "gentleman": "person",
    "human": "person",
    "waiter": "person",
    "spectator": "person",
    "teenager": "person",
    "shopper": "person",
    "diner": "person",
    "visitor": "person",
    "tourist": "person",
    "worker": "person",
    "athlete": "person",
    "settee": "couch",
    "tv set": "tv",
    "mobile phone": "cell phone",
    "purse": "handbag",
    "rucksack": "backpack",
    "luggage": "suitcase",
    "hydrant": "fire hydrant",
    "houseplant": "potted plant",
    "flowerpot": "potted plant",
    "hair dryer": "hair drier",
    "doughnut": "donut",
    "hotdog": "hot dog",
    "teddy": "teddy bear",
    "racket": "tennis racket",
    "racquet": "tennis racket",
    "necktie": "tie",
    "remote control": "remote",
    "wineglass": "wine glass",
    "stool": "chair",
    "seat": "chair",
}
# Class names that are more often another word in a description: "an orange bus", "a remote valley".
NOT_OBJECTS = frozenset({"orange", "remote"})
# Names that are already plural or have no singular of their own.
_NO_PLURAL = frozenset(
    {"people", "men", "women", "children", "someone", "anyone", "anybody", "somebody", "cattle", "crowd", "skis"}
)
_ANIMALS = frozenset({"bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"})
_VEHICLES = frozenset({"bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"})
# A general word names any of its labels: "a vehicle" is grounded when the scene holds a car, a bus, ...
HYPERNYMS: dict[str, frozenset[str]] = {
    "animal": _ANIMALS,
    "creature": _ANIMALS,
    "pet": frozenset({"dog", "cat"}),
    "vehicle": _VEHICLES,
    "furniture": frozenset({"chair", "couch", "bed", "dining table", "bench"}),
    "food": frozenset(
        {"banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake"}
    ),
    "fruit": frozenset({"banana", "apple", "orange"}),
    "vegetable": frozenset({"broccoli", "carrot"}),
    "drink": frozenset({"cup", "bottle", "wine glass"}),
    "cutlery": frozenset({"fork", "knife", "spoon"}),
    "utensil": frozenset({"fork", "knife", "spoon"}),
    "dish": frozenset({"bowl", "cup"}),
    "appliance": frozenset({"microwave", "oven", "toaster", "refrigerator", "sink"}),
    "device": frozenset({"tv", "laptop", "cell phone", "remote", "keyboard", "mouse"}),
    "electronics": frozenset({"tv", "laptop", "cell phone", "remote", "keyboard", "mouse"}),
    "traffic": frozenset({"car", "bus", "truck", "motorcycle"}),
}

# Nouns an LLM may add beyond the objects: what kind of place, what things are made of, weather, light and time of
# day, and words for the picture itself. Reviewed by hand: a word here can never be an obstacle or a person.
_ALLOWED_NOUNS_WORDS = """
    picture photo photograph image scene view shot setting atmosphere mood feel feeling vibe style moment day life
    place area space spot location environment surroundings neighbourhood neighborhood city town village countryside
    kitchen cafe café coffee restaurant bar pub diner bistro shop store market office room bedroom bathroom
    living hall lounge home house apartment flat garden yard backyard park field meadow farm pasture beach coast sea
    ocean lake river shore harbour harbor street road avenue square plaza campus school classroom library station
    airport stadium pitch court gym studio party gathering event meal breakfast lunch dinner brunch game match
    celebration holiday trip outing picnic weekday weekend evening morning afternoon night daytime dusk dawn sunset sunrise season
    summer winter spring autumn fall weather sunshine sunlight sun light shade shadow rain snow fog mist cloud clouds
    sky wind breeze storm daylight lighting colour color colours colors tone tones
    wood metal glass plastic stone brick fabric leather concrete marble ceramic porcelain paper cotton wool steel
    tile tiles grass sand water snowfall
    activity leisure relaxation rest fun conversation company friends family group couple team
    kind sort type bit lot variety mix range number
    fur coat tail ear ears eye eyes nose face head paw paws leg legs hair smile expression handle lid rim wheel wheels
    steam foam surface texture pattern shape
    """
ALLOWED_NOUNS = frozenset(_ALLOWED_NOUNS_WORDS.split())
# Physical things a listener could walk into or trip on that the detector cannot see: never said by the LLM.
_UNKNOWABLE_WORDS = """
    stair stairs staircase stairway step steps escalator elevator lift door doors doorway entrance exit gate gates
    kerb kerbs curb curbs hole holes pothole potholes puddle puddles ramp ramps ledge ledges edge drop slope hill
    wall walls fence fences railing railings rail pole poles post posts pillar pillars column columns obstacle
    obstacles barrier barriers crossing crosswalk pavement sidewalk path pathway walkway floor ground window windows
    counter shelf shelves cabinet cabinets tree trees bush bushes rock rocks cable cables wire wires cord cords rug
    carpet mat box boxes bin bins bucket trash rubbish debris branch branches log logs
    """
UNKNOWABLE = frozenset(_UNKNOWABLE_WORDS.split())
PRONOUNS = frozenset({"it", "they", "them", "this", "that", "these", "those", "something", "someone", "one"})


def _number_words() -> dict[str, int]:
    """'one' .. 'ninety-nine' (and 'ninety nine') -> the number, from inflect."""
    words: dict[str, int] = {}
    for n in range(1, 100):
        word = str(inflect_engine().number_to_words(n))
        words[word] = n
        words[word.replace("-", " ")] = n
    return words


NUMBER_WORDS = _number_words() | {"single": 1, "dozen": 12, "a dozen": 12, "half a dozen": 6}
# Quantifiers that say how many without a number: value (None: "two or more", unknown), whether a lower bound.
QUANTIFIERS: dict[str, tuple[int | None, bool]] = {
    "a couple of": (2, False),
    "a pair of": (2, False),
    "couple of": (2, False),
    "pair of": (2, False),
    "both": (2, False),
    "several": (None, True),
    "many": (None, True),
    "a few": (None, True),
    "few": (None, True),
    "numerous": (None, True),
    "multiple": (None, True),
    "various": (None, True),
    "lots of": (None, True),
    "a lot of": (None, True),
    "plenty of": (None, True),
    "a group of": (None, True),
    "a number of": (None, True),
    "dozens of": (None, True),
    "hundreds of": (None, True),
}


def singular_and_plural(word: str) -> tuple[str, str | None]:
    """The word and its plural (None for words that have none of their own)."""
    return word, None if word in _NO_PLURAL else plural(word)


def object_words() -> dict[str, tuple[str, bool]]:
    """Every name of a detector label, singular and plural: word -> (label, plural)."""
    names = {label: label for label in SIZE_PRIORS_M}
    names.update(SPOKEN_NAMES)
    names.update(MORE_NAMES)
    words: dict[str, tuple[str, bool]] = {}
    for word, label in names.items():
        one, many = singular_and_plural(word)
        words[one] = (label, one in ("people", "men", "women", "children", "skis", "cattle", "crowd"))
        if many:
            words.setdefault(many, (label, True))
    words["oranges"] = ("orange", True)
    return words


def hypernym_words() -> dict[str, tuple[frozenset[str], bool]]:
    """'vehicle', 'vehicles', 'pets' -> (the labels it covers, plural)."""
    words: dict[str, tuple[frozenset[str], bool]] = {}
    for word, labels in HYPERNYMS.items():
        words[word] = (labels, word in ("cutlery", "electronics", "traffic", "furniture", "food"))
        if not words[word][1]:
            words[plural(word)] = (labels, True)
    return words


# Common describing words, so that "a warm and cosy kitchen" is read as one phrase whose noun is "kitchen", and
# "a quiet one" names nothing new. Colours, sizes, moods, looks, ages, weather and light.
_ADJECTIVES_WORDS = """
    white black red green blue yellow brown grey gray pink purple orange golden silver beige cream dark light pale
    bright colourful colorful vivid muted big small large little tiny huge giant tall short long wide narrow
    thick thin round square flat low high deep shallow full half whole single double old new young modern
    ancient vintage classic traditional rustic fresh clean dirty tidy messy neat busy quiet calm peaceful lively
    noisy loud crowded empty cosy cozy warm cool cold hot chilly sunny cloudy rainy snowy foggy misty windy stormy
    wet dry shiny soft hard smooth rough sharp wooden metallic plastic leather glass stone brick paved grassy sandy
    leafy green friendly happy sad relaxed relaxing casual formal elegant simple plain fancy pretty beautiful lovely
    nice good great fine pleasant charming inviting welcoming comfortable cheerful playful curious alert sleepy
    tired lazy active open closed local urban rural public private indoor outdoor outside inside typical ordinary
    everyday usual normal special main central sure certain unclear clear blurry sharp visible likely possible
    various different similar same other next last first second third few several many much
    delicious tasty hearty healthy homemade hungry thirsty fluffy furry striped spotted patterned
    very quite rather really so too fairly pretty somewhat
    """
ADJECTIVES = frozenset(_ADJECTIVES_WORDS.split())
ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "able", "ible", "less", "ish", "ly")


# Fine names (scene/imagenet_to_coco.py) that are another everyday word first: a building crane, a racer who runs.
_AMBIGUOUS_FINE_NAMES = frozenset(
    {"crane", "racer", "boxer", "screen", "monitor", "cab", "plane", "wing", "jay", "coach", "carriage", "hack"}
    | {"pirate", "chopper", "notebook", "rocker", "semi", "rig"}
)


@cache
def fine_name_words() -> dict[str, tuple[str, int]]:
    """Every name (and plural) of an ImageNet class that may be said as a fine name -> (its COCO label, the class
    index): 'doberman', 'doberman pinscher', 'espresso cup' -> ('dog', 236), ... Words that already name a COCO
    class ("kite", "cup") keep that meaning. Empty when the classifier's wheel is not installed (nothing is named)."""
    from echollama.errors import ModelError
    from echollama.models.wheel_files import package_file
    from echollama.scene.gist_captioner import GIST_LABELS
    from echollama.scene.imagenet_to_coco import KINDS_OF, NOT_JUDGED_FINE, NOT_SAID, SPOKEN_INSTEAD
    from echollama.scene.ssd_detector import DETECTOR_PACKAGE

    try:
        lines = package_file(DETECTOR_PACKAGE, GIST_LABELS).read_text(encoding="utf-8").splitlines()
    except ModelError:  # no classifier: no fine name is ever computed, so none can be kept
        return {}
    taken = {w.lower() for w in object_words()}
    words: dict[str, tuple[str, int]] = {}
    for label, indices in KINDS_OF.items():
        if label in NOT_JUDGED_FINE:
            continue
        for index in indices - NOT_SAID:
            names = [n.strip() for n in lines[index].split(",")] + [SPOKEN_INSTEAD.get(index, "")]
            for name in filter(None, names):
                if name.lower() in taken or name.lower() in _AMBIGUOUS_FINE_NAMES:
                    continue
                for word in (name.lower(), plural(name).lower()):
                    words.setdefault(word, (label, index))
    return words
