"""Which ImageNet-1k classes (the shipped EfficientNet-Lite3's 1,000, standard order as efficientnet_labels.txt) fall
under which COCO class, and which name places.

The wheel ships no WordNet synset ids and WordNet's data is not installable offline, so this is a table reviewed by
hand once against the label file, following the WordNet hyponym tree (every dog breed 151-268 is a hyponym of dog,
every bird class of bird, ...). Each ImageNet class sits under at most one COCO class. `PARTS` are classes that
confirm their COCO class but are not a name for it (a car's grille, a horse cart, a cup's espresso) and are never said.
"""

from __future__ import annotations

from functools import cache


def _span(first: int, last: int) -> frozenset[int]:
    return frozenset(range(first, last + 1))


# COCO label -> ImageNet-1k class indices that are a kind of it.
KINDS_OF: dict[str, frozenset[int]] = {
    "person": frozenset({981, 982, 983}),  # ballplayer, groom, scuba diver
    "bicycle": frozenset({444, 671, 870, 880}),  # tandem, mountain bike, tricycle, unicycle
    "car": frozenset({436, 468, 511, 609, 627, 656, 661, 734, 751, 817}),  # estate, cab, convertible, jeep, ...
    "motorcycle": frozenset({665, 670}),  # moped, motor scooter
    "airplane": frozenset({404, 895}),  # airliner, warplane (726 "plane" is the carpenter's tool)
    "bus": frozenset({654, 779, 874}),  # minibus, school bus, trolleybus
    "train": frozenset({466, 547, 565, 705, 820, 829}),  # bullet train, locomotives, freight car, coach, streetcar
    "truck": frozenset({407, 555, 569, 675, 717, 757, 803, 864, 867}),  # ambulance, fire engine, ..., pickup, lorry
    "boat": frozenset({403, 472, 484, 510, 554, 576, 625, 628, 694, 724, 780, 814, 833, 871, 914}),
    "traffic light": frozenset({920}),
    "parking meter": frozenset({704}),
    "bench": frozenset({703}),  # park bench
    "bird": _span(7, 24) | _span(80, 100) | _span(127, 146),
    "cat": _span(281, 285),  # domestic cats (the big cats 286-293 are no COCO class)
    "dog": _span(151, 268),
    "horse": frozenset({339}),  # sorrel
    "sheep": frozenset({348, 349}),  # ram, bighorn
    "cow": _span(345, 347),  # ox, water buffalo, bison
    "elephant": frozenset({101, 385, 386}),  # tusker, Indian and African elephant
    "bear": _span(294, 297) | frozenset({388}),  # brown, black, ice and sloth bear; giant panda
    "zebra": frozenset({340}),
    "backpack": frozenset({414}),
    "umbrella": frozenset({879}),
    "handbag": frozenset({748}),  # purse
    "tie": frozenset({451, 457, 906}),  # bolo tie, bow tie, Windsor tie
    "skis": frozenset({795}),
    "sports ball": frozenset({429, 430, 522, 574, 722, 768, 805, 852, 890}),
    "tennis racket": frozenset({752}),
    "bottle": frozenset({440, 720, 737, 898, 907}),  # beer, pill, pop, water and wine bottle
    "wine glass": frozenset({572}),  # goblet
    "cup": frozenset({441, 504, 647, 967, 968}),  # beer glass, coffee mug, measuring cup, espresso, cup
    "knife": frozenset({499}),  # cleaver
    "spoon": frozenset({910}),  # wooden spoon
    "bowl": frozenset({659, 809, 925}),  # mixing bowl, soup bowl, consomme
    "banana": frozenset({954}),
    "apple": frozenset({948}),  # Granny Smith
    "sandwich": frozenset({933}),  # cheeseburger
    "orange": frozenset({950}),
    "broccoli": frozenset({937}),
    "hot dog": frozenset({934}),
    "pizza": frozenset({963}),
    "chair": frozenset({423, 559, 765, 857}),  # barber, folding and rocking chair, throne
    "couch": frozenset({831}),  # studio couch
    "bed": frozenset({520, 564}),  # crib, four-poster
    "dining table": frozenset({526, 532}),  # desk, dining table
    "toilet": frozenset({861}),  # toilet seat
    "tv": frozenset({664, 782, 851}),  # monitor, screen, television
    "laptop": frozenset({620, 681}),  # laptop, notebook computer
    "mouse": frozenset({673}),
    "remote": frozenset({761}),
    "keyboard": frozenset({508, 878}),
    "cell phone": frozenset({487}),
    "microwave": frozenset({651}),
    "oven": frozenset({827}),  # stove (766 rotisserie and 544 Dutch oven are not ovens)
    "toaster": frozenset({859}),
    "sink": frozenset({896}),  # washbasin
    "refrigerator": frozenset({760}),
    "book": frozenset({917, 921}),  # comic book, book jacket
    "clock": frozenset({409, 530, 892}),  # analog, digital and wall clock
    "vase": frozenset({883}),
    "teddy bear": frozenset({850}),
    "hair drier": frozenset({589}),  # hand blower
    "stop sign": frozenset({919}),  # street sign
}

# Classes that confirm their COCO class but are no name to say for it: parts, contents, what it pulls.
PARTS: dict[int, str] = {
    475: "car",  # car mirror
    479: "car",  # car wheel
    581: "car",  # grille
    603: "horse",  # horse cart
    908: "airplane",  # wing
    810: "keyboard",  # space bar
    966: "wine glass",  # red wine
    969: "cup",  # eggnog
    527: "tv",  # desktop computer: ImageNet's photos of it show the monitor
    951: "orange",  # lemon: the classifier calls orange slices lemons (fruits.jpg)
}

# Said for the class instead of its label-file name ("a cup, probably an espresso cup", not "... an espresso").
SPOKEN_INSTEAD = {967: "espresso cup", 925: "soup bowl", 441: "beer glass", 919: "street sign", 339: "sorrel horse"}

# Fine names not said: those that only repeat the COCO word ("a cup, probably a cup"), and those the classifier gives
# to any member of the class, so they say nothing or mislead: Granny Smith is ImageNet's only apple (a red apple is
# one to it), "Windsor tie" any necktie, "book jacket" any book; its tabby / tiger / Egyptian cat is a coat pattern
# it confuses (chelsea, an orange tabby, is an "Egyptian cat" at 0.82). Likewise the catch-all classes: ImageNet has
# no plain kind of some COCO classes (no city bus, no saloon or hatchback, no van), so the classifier puts their
# everyday members into the nearest fine class, confidently: campus_walkway's white panel van, found as a truck, was
# "probably a moving van" (0.68), a London double-decker "probably a trolleybus" (0.70) and a London cab "probably a
# sports car" (0.89; both held-out photos). They confirm their class but are not said.
NOT_SAID = frozenset(
    {968, 919, 340, 532, 883, 954, 937, 934, 963, 950, 761, 673, 620, 851, 651, 760, 859}
    | {948, 906, 921, 281, 282, 285}
    | {920, 704, 879, 414, 752, 795, 508, 487, 850, 589, 861, 782}  # "a traffic light, probably a traffic light"
    | {675, 874, 817}  # moving van, trolleybus, sports car: catch-alls
)

# COCO classes whose crops are not judged, so no fine name is ever computed for them: ImageNet has no person class,
# and its three person-like classes (ballplayer, groom, scuba diver) name clothes and settings.
NOT_JUDGED_FINE = frozenset({"person"})

# COCO classes a detector confuses with each other; a crop naming another member of the same set is no contradiction
# (a van is a car to some annotators and a truck to others; a mug a cup, a beer glass a wine glass).
CONFUSABLE: tuple[frozenset[str], ...] = (
    frozenset({"car", "truck", "bus", "train"}),
    frozenset({"bicycle", "motorcycle"}),
    frozenset({"cup", "wine glass", "bottle", "bowl", "vase"}),
    frozenset({"chair", "couch", "bench", "bed"}),
    frozenset({"dining table", "bench"}),
    frozenset({"tv", "laptop", "keyboard"}),
    frozenset({"oven", "microwave", "refrigerator", "toaster"}),
)

# Whole-picture classes that name a kind of place: ImageNet index -> (indoors?, how it is said).
PLACES: dict[int, tuple[bool, str]] = {
    415: (True, "in a bakery"),
    424: (True, "in a barber's shop"),
    454: (True, "in a bookshop"),
    467: (True, "in a butcher's shop"),
    498: (True, "in a cinema"),
    509: (True, "in a sweet shop"),
    582: (True, "in a grocery store"),
    624: (True, "in a library"),
    762: (True, "in a restaurant"),
    788: (True, "in a shoe shop"),
    860: (True, "in a tobacconist's"),
    865: (True, "in a toy shop"),
    580: (True, "in a greenhouse"),
    706: (False, "on a patio"),
    978: (False, "at the seashore"),
    977: (False, "on a sandbank"),
    975: (False, "by a lake"),
    979: (False, "in a valley"),
    970: (False, "in the mountains"),
    972: (False, "by a cliff"),
    976: (False, "on a headland"),
    718: (False, "on a pier"),
    536: (False, "at a dock"),
}

# Whole-picture classes that say only indoors or outdoors (furniture and rooms; streets, buildings, landscape).
INDOOR_CLASSES = frozenset(
    {406, 423, 435, 453, 495, 526, 532, 534, 548, 564, 598, 619, 721, 736, 741, 750, 760, 794, 827, 831, 846, 854}
    | {861, 894, 896, 905}
)
OUTDOOR_CLASSES = frozenset(
    {425, 449, 460, 483, 489, 497, 500, 525, 538, 562, 637, 640, 649, 663, 668, 672, 682, 698, 704, 716, 821}
    | {825, 832, 839, 853, 858, 873, 888, 900, 912, 915, 919, 920, 973, 974, 980, 984}
)


@cache
def coco_of() -> dict[int, str]:
    """ImageNet index -> the COCO class it falls under (kinds and parts), for the classes under one."""
    table = {index: coco for coco, indices in KINDS_OF.items() for index in indices}
    for index, coco in PARTS.items():
        table.setdefault(index, coco)
    return table


def under(coco: str) -> frozenset[int]:
    """Every ImageNet index that confirms a `coco` object (its kinds and its parts)."""
    return KINDS_OF.get(coco, frozenset()) | frozenset(i for i, c in PARTS.items() if c == coco)


def confusable(first: str, second: str) -> bool:
    """Whether a detector's `first` and a crop's `second` are close enough that neither contradicts the other."""
    return first == second or any(first in group and second in group for group in CONFUSABLE)
