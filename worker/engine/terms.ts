/**
 * The shared term space of items and users. A tag and a word are different terms ("tag:street food"
 * is curated, "word:food" is incidental), so a tag match can weigh more than a word match, yet an
 * interest in "food" still reaches an item tagged "street food" through its words.
 */

const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each even ever every few for from further " +
    "had has have having he her here hers herself him himself his how i if in into is it its itself just " +
    "least less like made make many may me more most much must my myself near new no nor not now of off " +
    "often on once one only or other our ours ourselves out over own per same she should since so some " +
    "still such than that the their theirs them themselves then there these they this those though through " +
    "to too under until up upon us very was we well were what when where which while who whom whose why " +
    "will with within without would yet you your yours yourself yourselves"
  ).split(" "),
);

export function tagTerm(tag: string): string {
  return `tag:${tag.trim().toLowerCase()}`;
}

export function wordTerm(word: string): string {
  return `word:${word}`;
}

/**
 * Lower-cased words without diacritics ("Belém" matches a keyword typed "belem"), stop-words and
 * one-letter fragments removed. Hyphenated words stay whole ("k-pop", "late-night") because that is
 * how the tag vocabulary spells them.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  // Most text is ASCII; skipping the Unicode fold for it halves the cost of indexing a catalog.
  const folded = (/[^\x00-\x7f]/.test(text) ? text.normalize("NFKD").replace(/\p{M}/gu, "") : text).toLowerCase();
  for (const raw of folded.split(/[^\p{L}\p{N}&'-]+/u)) {
    const w = raw.replace(/^['-]+|['-]+$/g, "").replace(/'s$/, "");
    if (w.length < 2 || STOP_WORDS.has(w) || /^\d+$/.test(w)) continue;
    out.push(w);
  }
  return out;
}
