"""Word lists the rule extractor reads. Data, not logic: extend a list, not the parser.

Kept apart from the parser so that a reviewer can see what the rules know, and so that
rules.py stays about how a sentence is read.
"""

from __future__ import annotations

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "a": 1, "an": 1, "single": 1, "a single": 1, "one single": 1,
    "a pair of": 2, "pair of": 2, "a couple of": 2, "couple of": 2, "a dozen": 12, "dozen": 12,
    "a bunch of": 3, "a bouquet of": 3, "a handful of": 3,
}
COLOURS = (
    "red green blue yellow orange purple violet pink brown black white grey gray gold golden "
    "silver teal cyan magenta navy beige turquoise maroon lime olive crimson indigo lavender "
    "coral mint peach tan cream ivory amber emerald scarlet "
    # materials and foods that say the colour of what they make ("a chocolate cake", "a rusty bike")
    "chocolate wooden rusty copper bronze brass steel metallic chrome marble caramel honey vanilla strawberry "
    "cherry brick leather denim sandy ruby sapphire jade pearl ginger stone concrete slate ebony charcoal"
).split()
# Nouns that name the image itself, not something in it.
IMAGE_NOUNS = set(
    "image images picture pictures photo photos photograph photographs illustration illustrations "
    "panel panels variation variations version versions shot shots frame frames view views "
    "option options direction directions angle angles design designs drawing drawings render "
    "renders poster posters comic comics storyboard storyboards scene scenes page pages logo "
    "logos icon icons card cards painting paintings sketch sketches artwork pic pics".split()
)
IMAGE_COUNT_NOUNS = (
    "images|pictures|photos|photographs|illustrations|panels?|variations|versions|shots|frames|"
    "views|options|directions|angles|designs|drawings|renders|posters|comics|scenes|pages|logos|"
    "icons|cards|paintings|sketches|product shots|product photos|pics|slides|variants|concepts|ideas|takes|"
    "mockups|mock-ups|thumbnails|stickers|covers|spreads|wallpapers|banners|portraits|renderings|stills|"
    "storyboard frames|comic panels|colorways|colourways|looks|styles"
)
STYLE_WORDS = {
    "watercolor": "watercolor", "watercolour": "watercolor", "comic": "comic", "manga": "manga",
    "photo": "photo", "photograph": "photo", "photorealistic": "photo", "poster": "poster",
    "flat icon": "flat icon", "icon": "flat icon", "pixel art": "pixel art", "oil painting": "oil painting",
    "storyboard": "storyboard", "sketch": "pencil sketch", "3d render": "3d render", "cartoon": "cartoon",
    "logo": "logo", "infographic": "infographic", "children's book": "children's book",
    "line art": "line art", "anime": "anime", "vector": "vector", "claymation": "claymation",
}
LIGHT_WORDS = (
    "golden hour,blue hour,sunset,sunrise,dawn,dusk,night,midnight,noon,daylight,sunny,overcast,"
    "foggy,misty,rainy,stormy,storm,snowy,moonlight,neon,candlelight,studio lighting,studio,backlit,"
    "soft light,harsh light,rim light,dramatic lighting"
).split(",")
CAMERA_WORDS = (
    "extreme close-up,close-up,closeup,close up,wide shot,wide-angle,wide angle,medium shot,"
    "full shot,aerial view,aerial,bird's-eye view,bird's eye view,top-down,overhead shot,"
    "low angle,high angle,eye level,side view,front view,macro,telephoto,fisheye,tilt-shift,"
    "over-the-shoulder,35mm,50mm,85mm,isometric"
).split(",")
# Aspect words → the ratio recorded in the plan.
ASPECT_WORDS = {
    "square": "1:1", "portrait": "3:4", "vertical": "9:16", "landscape": "4:3", "horizontal": "16:9",
    "widescreen": "16:9", "panoramic": "21:9", "panorama": "21:9", "phone wallpaper": "9:16",
    "instagram story": "9:16", "banner": "3:1", "wide": "16:9", "tall": "9:16",
}
# Nouns that carry text or name an abstraction rather than a drawable thing.
NOT_OBJECTS = set(
    "sign signs signboard banner label labels caption bubble headline title text word words letter "
    "storm day night time way lot bit calm moment style mood color colour light background "
    "foreground side corner middle center centre top bottom left right front back distance "
    "shape kind sort type piece bunch group feel vibe vibes look sense mix atmosphere aesthetic theme "
    "tone palette composition texture pattern circle line row edge end half rest lots plenty "
    "glow shadow shadows silhouette reflection reflections focus detail details depth field "
    # layout and framing words are directions, not things ("a 4 by 4 grid of 16 objects", "a cozy interior")
    "interior exterior scene grid object objects item items row rows column columns layout "
    # occasions name what a card or poster is for, not something in it ("a birthday card")
    "birthday wedding christmas halloween anniversary easter valentine graduation".split()
)
# Irregular verbs and other words that end a noun phrase ("three vans stuck in traffic").
VERB_WORDS: set[str] = set(
    "stuck made lit held built kept caught left brought bought sold set put cut hung spun sewn worn torn "
    "drawn shown seen known grown thrown flown blown sat stood lay lain ran swam flew fell rose".split()
)
# Base-form verbs that end a noun phrase after a noun ("a robot and a girl meet in the park").
VERB_WORDS |= set(
    "meet meets play plays run runs walk walks sit stand look looks dance dances sing sings jump jumps "
    "swim swims eat eats drink drinks read talk talks smile smiles hold holds carry carries "
    "ride rides chase chases hug hugs sleep sleeps wait waits stare stares fly lean leans "
    "hide hides peek peeks climb climbs float glide glides hover hovers perch perches rest nap naps "
    "share shares find finds get gets go goes come comes make makes take takes give gives try tries".split()
)
# Prepositions and adverbs that end a noun phrase as well as the function words in STOP.
PHRASE_END = set(
    "against across through toward towards around among amongst between inside outside within along "
    "past beyond via like plus where when amid amidst upon until after before during per out up down "
    "off away together there here overhead nearby".split()
)
# Words allowed before a relation phrase besides verbs and -ly adverbs: "napping together on".
GAP_WORDS = set("together up out around down along away off there here still quietly alone".split())
STOP = set(
    "and or with of in on at for to from by the a an that which who is are was were be this these "
    "those it its his her their my our your says saying reads reading named called than very "
    "but if as into onto over under above below behind beside near next left right front while "
    "each every some any all both no not without".split()
)
# Plurals English does not form with -s, and words whose -s is not a plural.
IRREGULAR_PLURALS = {
    "people": "person", "persons": "person", "men": "man", "women": "woman", "children": "child",
    "mice": "mouse", "geese": "goose", "teeth": "tooth", "feet": "foot", "knives": "knife",
    "leaves": "leaf", "loaves": "loaf", "wolves": "wolf", "shelves": "shelf", "calves": "calf",
    "halves": "half", "sheeps": "sheep", "fish": "fish", "fishes": "fish", "deer": "deer",
    "buses": "bus", "octopi": "octopus", "cacti": "cactus", "dice": "die", "oxen": "ox",
    "broccolis": "broccoli", "kiwis": "kiwi", "taxis": "taxi", "skis": "skis",
}
INVARIANT_NOUNS = set(
    "scissors skis sunglasses pants jeans shorts binoculars tongs pliers headphones "
    "bus gas lens cactus octopus glass dress grass compass".split()
)
# Two- and three-word names of one thing; the parser joins them before counting.
COMPOUND_NOUNS = set(
    """teddy bear|wine glass|old man|old woman|old lady|little girl|little boy|frying pan|rolling pin|cutting board|hot air balloon|park bench|fire hydrant|traffic light|stop sign|parking meter|sports ball|baseball bat|
    baseball glove|tennis racket|hot dog|potted plant|dining table|tv remote|computer mouse|
    computer keyboard|cell phone|mobile phone|hair drier|hair dryer|ice cream|coffee cup|coffee mug|
    street lamp|street light|polar bear|police car|fire truck|school bus|light bulb|paper plane|
    hot air balloon|christmas tree|palm tree|sports car|traffic cone|water bottle|picnic table|
    rubber duck|soccer ball|basketball hoop|space shuttle|rocket ship|alarm clock|coffee table|
    washing machine|sea turtle|goldfish bowl|fountain pen|paint brush|treasure chest|birthday cake|
    cup of coffee|teapot|fire engine|race car|sail boat|sailing boat|wind turbine|solar panel|
    tea cup|tea pot|guinea pig|road bike|mountain bike|electric guitar|grand piano|desk lamp|
    bean bag|park bench|office chair|garden gnome|bar stool|pine tree|oak tree|stuffed animal|
    watering can|cake stand|golden retriever|tree stump|water lily|vending machine|food bowl|
    delivery van|fence post|road sign|neon sign|street sign""".replace(
        "\n", ""
    ).split("|")
)
COMPOUND_NOUNS = {" ".join(c.split()) for c in COMPOUND_NOUNS}
# Concrete nouns a picture can show that the clip-art index may not know; "a X" counts as
# an object when X is here or in the clip-art index, so "a calm day" does not.
OBJECT_NOUNS = set(
    """person man woman child boy girl baby bench backpack tie suitcase frisbee ski skis snowboard surfboard
    racket fork spoon knife couch sofa table desk microwave oven toaster sink refrigerator fridge vase
    scissors bowl cup mug plate bottle jar lamp clock chair bed stool shelf cabinet drawer mirror window
    door fence gate wall tower bridge lighthouse windmill tent boat ship car truck van bus train tram
    bicycle bike motorcycle scooter airplane plane helicopter rocket kite umbrella hat cap scarf glove
    shoe boot sock shirt dress jacket coat bag handbag purse wallet key lock book notebook pencil pen
    laptop computer keyboard monitor phone tv television remote camera guitar piano violin drum trumpet
    ball balloon box basket bucket barrel crate chest candle lantern torch sword shield crown ring
    necklace tree flower rose tulip sunflower plant cactus bush mushroom rock stone log apple banana
    orange pear lemon cherry grape strawberry watermelon pineapple carrot broccoli tomato potato corn
    sandwich pizza donut doughnut cake cookie bread croissant burger egg cheese pie cupcake teapot kettle
    pot pan toothbrush towel pillow blanket rug clocktower robot dragon unicorn fox cat dog horse sheep
    cow pig goat chicken duck bird owl eagle parrot penguin fish whale dolphin shark octopus crab turtle
    frog snake lizard elephant giraffe zebra lion tiger bear wolf deer rabbit mouse squirrel monkey
    panda koala kangaroo camel bee butterfly ladybug spider snail house castle cottage hut barn
    skyscraper church statue fountain hydrant meter sign seed shed sled reed stump branch windowsill
    armchair hammock mailbox drone scarecrow lily runner astronaut fisherman""".split()
)
# Relation phrases between two objects → the plan's relation type. Longest first when matching.
RELATION_PHRASES: dict[str, str] = {
    "to the left of": "left of", "on the left of": "left of", "left of": "left of",
    "on the left side of": "left of", "to the right of": "right of", "on the right of": "right of",
    "on the right side of": "right of", "right of": "right of", "above": "above", "over": "above",
    "on top of": "on", "atop": "on", "on": "on", "sitting on": "on", "standing on": "on",
    "resting on": "on", "below": "below", "beneath": "under", "under": "under", "underneath": "under",
    "in front of": "in front of", "behind": "behind", "in back of": "behind", "next to": "next to",
    "beside": "next to", "besides": "next to", "alongside": "next to", "by": "next to",
    "in": "in", "inside": "in", "inside of": "in", "sitting in": "in", "standing in": "in",
    "riding": "riding", "riding on": "riding", "rides": "riding", "on the back of": "riding",
    "holding": "holding", "holds": "holding", "carrying": "holding", "carries": "holding",
    "against": "next to", "leaning against": "next to",
}
# What people wear: "a man in a red coat" is dressed, not inside a coat.
WORN = set(
    "coat raincoat overcoat jacket dress shirt t-shirt hat cap beanie scarf suit uniform costume sweater jumper "
    "hoodie boots shoes sneakers gloves glasses sunglasses goggles helmet armor armour robe cloak cape gown skirt "
    "pants trousers jeans shorts apron mask tuxedo kimono overalls vest poncho pajamas pyjamas outfit clothes "
    "swimsuit bikini tie bowtie sari".split()
)
# Filler a relation phrase may carry: "a cat that is sitting on a mat".
RELATION_FILLER = set(
    "is are sits sit sitting stands stand standing placed parked lying lies hanging hangs floating floats "
    "flying flies that which who just directly".split()
)

TITLES = (  # honorifics before a name: "a vampire named Count Bruno" is Bruno
    "Count|Countess|Captain|Capt|Dr|Doctor|Mr|Mrs|Ms|Miss|Sir|Lady|Lord|King|Queen|Prince|Princess|Professor|Prof|"
    "Aunt|Uncle|Grandma|Grandpa|Officer|Agent|Baron|Duke|Madame|Madam|Mister|Chef|Detective|Sergeant|General|Coach|"
    "Farmer|Nurse|Auntie|Granny|Nana|Papa|Mama|Saint|St|Father|Sister|Brother|Master|Lieutenant|Admiral|Emperor|"
    "Empress|Chief|Judge|Mayor|Pastor|Reverend|Dame|Señor|Senor|Señora|Monsieur|Herr|Frau|Don|Doña")

# Base forms of everyday verbs: a beat's word whose stem is one of these is an action, not a
# thing ("Otto juggles shells", "she grabs a flashlight"), unless an article comes first.
COMMON_VERBS = set(
    "be have do say go get make know think take see come want look use find give tell work call try ask need feel "
    "become leave put mean keep let begin seem help talk turn start show hear play run move like live believe hold "
    "bring happen write provide sit stand lose pay meet include continue set learn change lead understand watch "
    "follow stop create speak read allow add spend grow open walk win offer remember love consider appear buy wait "
    "serve die send expect build stay fall cut reach kill remain suggest raise pass sell require report decide pull "
    "break wake fight hide chase catch throw swim drive ride fly climb jump dance sing cook bake draw paint juggle "
    "eat drink sleep nap rest hug kiss feed wash fix carry push lift drop pour mix stir chop slice fry flip serve "
    "plant dig water pick smell taste touch grab hand shout yell scream whisper cry laugh smile wave point stare "
    "peek spot discover notice explore travel return arrive escape enter exit land launch crash sail row paddle "
    "surf ski skate skateboard hike camp fish hunt shoot kick hit punch block dodge roll spin slide slip trip "
    "tumble float sink drown rescue save protect guard attack defend battle race chase follow lead wander "
    "search seek collect gather stack pile sort clean sweep mop scrub dust paint sketch draw color colour "
    "decorate wrap unwrap tie untie knit sew weave fold bend stretch reach lean kneel crouch crawl sneak tiptoe "
    "march stroll jog sprint dash rush hurry slow celebrate cheer clap sing hum whistle play strum drum record "
    "film photograph snap post share text type sign read study teach practice train exercise lift yawn "
    "shiver sweat blush frown sigh gasp sneeze cough sniff lick bite chew swallow sip gulp munch nibble "
    "feast shop order deliver pack unpack load unload ship mail fetch bring take steal borrow lend trade "
    "sell buy pay count measure weigh check test taste try fail succeed finish complete win lose tie score "
    "fill empty spill leak melt freeze boil burn light glow shine sparkle flash flicker fade vanish disappear "
    "appear emerge rise set hatch bloom blossom sprout wilt grow shrink swell burst pop explode crack shatter "
    "repair build assemble install connect plug charge power ring knock wave greet welcome hug introduce "
    "thank apologize argue fight share sharing end ends hang perch hover glide soar dive leap bounce hop "
    "skip stumble trip slip tumble gaze glance blink wink nod shake hold cling grip squeeze pat stroke pet "
    "comfort cuddle snuggle nap doze dream wonder worry panic relax chill rest sunbathe tan form drift swoop "
    "illustrate inflate descend splash restore roast pitch pack smash examine confront flee crash sprint "
    "oversleep introduce knead meditate stare chug choke beep overtake zoom stumble howl slurp duck glaze shape "
    "whisk melt flip stack sweep polish mix grind wipe crouch sneak prowl scramble zip zoom speed cruise".split()
)

# Capitalised words that start sentences, never names: "Then the ship turns" has no character "Then".
NOT_NAMES = STOP | set(
    "then when now next later finally first after before meanwhile suddenly also here there today tonight "
    "soon once still so yet again last lastly eventually afterwards slide panel image picture scene shot step "
    "page frame photo please make draw show create paint give add use keep both all each every one two three "
    "four five six seven eight nine ten".split()
)
