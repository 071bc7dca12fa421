// Container ids and names as dockerd makes and checks them: 64 hex ids whose 12-character short form is
// never all digits (moby's stringid.GenerateRandomID), names matching moby's RestrictedNameChars, and
// random "adjective_surname" names when none is given (moby's pkg/namesgenerator).
import { randomBytes, randomInt } from 'node:crypto';
import { BerthError } from '../../../base/errors.js';

/** moby's restrictedNamePattern, with the optional leading slash the API allows. */
const NAME_PATTERN = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A new container id: 64 hex digits whose short form is not a number. */
export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // A short id like "123456789012" would read as a number in a shell or a YAML file (moby's rule).
    if (!/^\d{12}$/.test(id.slice(0, 12))) return id;
  }
}

/** The name without its leading slash; refuses what dockerd refuses, with its message. */
export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name))
    throw new BerthError(
      'InvalidArgument',
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  return name.replace(/^\//, '');
}

// A selection of moby's namesgenerator lists (adjectives, and notable scientists and hackers).
const LEFT = (
  'admiring adoring affectionate agitated amazing angry awesome beautiful blissful bold boring brave ' +
  'busy charming clever compassionate competent condescending confident cool cranky crazy dazzling ' +
  'determined distracted dreamy eager ecstatic elastic elated elegant eloquent epic exciting fervent ' +
  'festive flamboyant focused friendly frosty funny gallant gifted goofy gracious great happy hardcore ' +
  'heuristic hopeful hungry infallible inspiring intelligent interesting jolly jovial keen kind ' +
  'laughing loving lucid magical modest musing mystifying naughty nervous nice nifty nostalgic ' +
  'objective optimistic peaceful pedantic pensive practical priceless quirky quizzical recursing ' +
  'relaxed reverent romantic sad serene sharp silly sleepy stoic strange stupefied suspicious sweet ' +
  'tender thirsty trusting unruffled upbeat vibrant vigilant vigorous wizardly wonderful xenodochial ' +
  'youthful zealous zen'
).split(' ');
const RIGHT = (
  'agnesi albattani allen almeida antonelli archimedes ardinghelli aryabhata austin babbage banach ' +
  'bardeen bartik bassi beaver bell bhabha bhaskara blackburn blackwell bohr booth borg bose ' +
  'brahmagupta brattain brown buck burnell cannon carson cartwright cerf chandrasekhar chatelet ' +
  'chatterjee chaum clarke cohen colden cori cray curie darwin davinci dijkstra dirac driscoll dubinsky ' +
  'easley edison einstein elbakyan elgamal elion ellis engelbart euclid euler faraday feistel fermat ' +
  'fermi feynman franklin gagarin galileo galois ganguly gates gauss germain goldberg goldstine ' +
  'goldwasser golick goodall gould greider grothendieck haibt hamilton haslett hawking heisenberg ' +
  'hellman hermann herschel hertz hodgkin hofstadter hoover hopper hugle hypatia jackson jang jennings ' +
  'jepsen johnson joliot jones kalam kapitsa kare keldysh keller kepler khayyam khorana kilby kirch ' +
  'knuth kowalevski lalande lamarr lamport leakey leavitt lederberg lehmann lewin lichterman liskov ' +
  'lovelace lumiere mahavira margulis matsumoto maxwell mayer mccarthy mcclintock mclean mcnulty ' +
  'meitner mendel mendeleev merkle mestorf mirzakhani moore morse moser murdock napier nash neumann ' +
  'newton nightingale nobel noether northcutt noyce panini pare pascal pasteur payne perlman pike ' +
  'poincare poitras proskuriakova ptolemy raman ramanujan rhodes ride ritchie robinson roentgen ' +
  'rosalind rubin saha sammet sanderson satoshi shamir shannon shaw shirley shockley shtern sinoussi ' +
  'snyder solomon spence stonebraker sutherland swanson swartz swirles taussig tesla tharp thompson ' +
  'torvalds tu turing varahamihira vaughan villani visvesvaraya volhard wescoff wilbur wiles williams ' +
  'williamson wilson wing wozniak wright wu yalow yonath zhukovsky'
).split(' ');

/**
 * A random "adjective_surname" name; after the first attempt a digit is appended, as moby's
 * GetRandomName(retry) does. "boring_wozniak" is never chosen (Steve Wozniak is not boring).
 */
export function randomName(retry: number): string {
  for (;;) {
    const name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${randomInt(10)}` : name;
  }
}
