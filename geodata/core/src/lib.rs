//! riskmap's compiled geoparser core.
//!
//! The same algorithm as `geodata/geoparse.py` (match, case rules, leftmost-longest selection,
//! document-context resolution, the reporting bar), step for step and in the same order, so
//! that both give the same mentions; `tests/test_geocore.py` checks that on every text it has.
//! Python stays the reference and keeps the rare paths: names in scripts other than Latin are
//! matched there and passed in, and border phrases are found there from the mentions returned.
//!
//! Offsets are in characters (Python's `str` indices), not bytes: the text is decoded into a
//! `Vec<char>` once per call.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::types::{PyList, PyString, PyTuple, PyType};
use pyo3::prelude::*;

const COUNTRY: u8 = 0;
const ADMIN1: u8 = 1;
const COUNTY: u8 = 2;
const CITY: u8 = 3;
const BORDER: u8 = 4;

const DEMONYM: u8 = 1;
const VARIANT: u8 = 2;
const TYPED: u8 = 4;
const POSTAL: u8 = 8;
const ABBREV: u8 = 16;
const ACRONYM: u8 = 32;
const LOWER_OK: u8 = 64;
/// `SEAT` of gazetteer.py: an admin-1 region holding the big city of its name.
const SEAT: u8 = 128;
/// `SEAT_BONUS` of geoparse.py.
const SEAT_BONUS: f64 = 0.05;

/// Set in the core's own copy of the key bits on the keys of Latin-script names: those
/// `Gazetteer.key_of` finds from a mention's surface (Python's bits stop at 64).
const LATIN_KEY: u8 = 128;
/// `DEFAULT_MIN_CONFIDENCE` of geoparse.py: a name moved to its namesake is at least this sure.
const DEFAULT_MIN_CONFIDENCE: f64 = 0.75;
/// `_FOCUS_MIN_NAMES` of geoparse.py.
const FOCUS_MIN_NAMES: usize = 2;

/// Texts this long or longer are read with the GIL released (see `rows`).
const GIL_FREE_MIN_BYTES: usize = 16_384;

/// `_LIST_GAPS` of geoparse.py: what stands between two items of a list.
const LIST_GAPS: [&str; 6] = [", ", ",", " and ", ", and ", " or ", ", or "];

const NO_KEY: u32 = u32::MAX;
const MAX_CANDIDATES: usize = 8;
const MAX_PRIOR_GAP: f64 = 0.4;
const MAX_EVIDENCE_AREAS: usize = 3;
const COUNTRY_ONLY_MIN_CONFIDENCE: f64 = 0.7;
/// `_EMPTY_DOCUMENT_MARGIN` in geoparse.py.
const EMPTY_DOCUMENT_MARGIN: f64 = 0.25;
/// Row mode of a town name held back below the bar for the county pass (never reported as is).
const HELD_BACK: u8 = 3;
/// `MINOR_REGION_PENALTY` in geoparse.py.
const MINOR_REGION_PENALTY: f64 = 0.3;
/// `_UNSUPPORTED_TOWN_MIN_CONFIDENCE` in geoparse.py.
const UNSUPPORTED_TOWN_MIN_CONFIDENCE: f64 = 0.85;
/// `SEAT_MIN_POPULATION` in gazetteer.py: a town this big keeps its place without support.
const BIG_TOWN_POPULATION: i64 = 100_000;

/// One place a key can mean, with its prior before anything the document says.
struct Reading {
    place: u32,
    flags: u8,
    base: f64,
    kind: u8,
    country: i32,
    admin1: i32,
    country_weight: f64,
    /// A town of at least `BIG_TOWN_POPULATION` people.
    big: bool,
}

/// A range of one of the per-document buffers of `Doc`.
type Range32 = (u32, u32);

fn range(r: Range32) -> std::ops::Range<usize> {
    r.0 as usize..r.1 as usize
}

/// Whether `text` may hold a number `PHONE_PATTERN` (geodata/phone_regions.py) finds: an area
/// code ("845-", "845.", "(845)" or "(845) ") before three digits, a hyphen or full stop, and
/// four digits.
fn has_phone_digits(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, count: usize| b[from..from + count].iter().all(u8::is_ascii_digit);
    let area = |end: usize| {
        // the area code ends right before `end`, where the exchange starts
        (end >= 4 && (b[end - 1] == b'-' || b[end - 1] == b'.') && digits(end - 4, 3))
            || (end >= 5 && b[end - 1] == b')' && b[end - 5] == b'(' && digits(end - 4, 3))
            || (end >= 6 && b[end - 1] == b' ' && b[end - 2] == b')' && b[end - 6] == b'(' && digits(end - 5, 3))
    };
    let number = |i: usize| i >= 3 && i + 5 <= b.len() && digits(i + 1, 4) && digits(i - 3, 3) && area(i - 3);
    // The four digits after the hyphen or full stop open a run of digits: each run of four or
    // more is tried once.
    let digit = |byte: u8| byte.is_ascii_digit();
    let mut i = 0;
    loop {
        i = next_match(b, i, digit, digit);
        if i == b.len() {
            return false;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start >= 4 && start > 0 && matches!(b[start - 1], b'-' | b'.') && number(start - 1) {
            return true;
        }
    }
}

/// Whether `text` may hold a word `_border_words` of geodata/geoparse.py finds (one of
/// `_BORDER_STEMS` after B, b, F or f, ending its word; "orders" too), so that the border
/// pass is skipped where it can find nothing ("in order to", "recorded"). Looser than the
/// reference where it cannot be exact: any character but an ASCII letter, digit or underscore
/// after the stem ends the word.
fn has_border_word(text: &str) -> bool {
    let b = text.as_bytes();
    let ends = |at: usize| b.get(at).map_or(true, |&c| !(c.is_ascii_alphanumeric() || c == b'_'));
    ["order", "rontier", "oundary"].iter().any(|&stem| {
        text.contains(stem)
            && text.match_indices(stem).any(|(at, _)| {
                let end = at + stem.len();
                at >= 1
                    && matches!(b[at - 1], b'B' | b'b' | b'F' | b'f')
                    && (ends(end) || (stem == "order" && b.get(end) == Some(&b's') && ends(end + 1)))
            })
    })
}

struct Span {
    start: usize,
    end: usize,
    key: u32,
    /// The readings this occurrence allows (indices of `Core::readings`): a range of
    /// `Doc::span_readings`.
    readings: Range32,
    pair: Vec<(u32, f64)>,
    penalty: f64,
    person: bool,
    organisation: bool,
    street: bool,
    surname: bool,
    actor: bool,
    /// `_Span.opens_name`: a capitalised word follows, after a space or a hyphen.
    opens_name: bool,
    /// `_Span.compound`: hyphened to a capitalised word that is no place ("Norway-Fjordline").
    compound: bool,
}

/// One reading of a name in a document: its place, prior and reading (an index of
/// `Core::readings`). A name's readings are few (at most a few dozen), so they are searched
/// in order rather than hashed, which also keeps a Python dict's insertion order.
#[derive(Clone, Copy)]
struct Candidate {
    place: u32,
    prior: f64,
    reading: u32,
}

fn prior_of(candidates: &[Candidate], place: u32) -> Option<f64> {
    candidates.iter().find(|c| c.place == place).map(|c| c.prior)
}

#[derive(Default)]
struct Group {
    /// The name's occurrences (span indices, in text order): a range of `Doc::members`.
    members: Range32,
    /// Every reading some occurrence allows, at its best prior (`group.readings` of the
    /// reference): a range of `Doc::readings`.
    readings: Range32,
    /// The likeliest few, then the readings a neighbour names: a range of `Doc::candidates`
    /// (and of `Doc::table`).
    candidates: Range32,
    bonus: Vec<(u32, f64)>,
    /// The chosen place and its reading.
    choice: Option<(u32, u32)>,
    confidence: f64,
    common: bool,
    person_like: bool,
    surname: bool,
    country_confidence: f64,
    country_only: bool,
    names_actor: bool,
    /// Some occurrence does not open a longer capitalised name (`_opens_names_only`).
    stands_alone: bool,
}

/// Per-document buffers: one allocation each per text rather than several per name, kept
/// for the next text in `Buffers`.
#[derive(Default)]
struct Doc {
    span_readings: Vec<u32>,
    members: Vec<u32>,
    readings: Vec<Candidate>,
    candidates: Vec<Candidate>,
    /// Per candidate: prior plus pair bonus, country, country weight, and admin-1 region (-1
    /// for a country reading); fixed for both rounds of `resolve`.
    table: Vec<(f64, i32, f64, i32)>,
}

impl Doc {
    fn clear(&mut self) {
        self.span_readings.clear();
        self.members.clear();
        self.readings.clear();
        self.candidates.clear();
        self.table.clear();
    }
}

/// Evidence per country or region: a Python dict of floats (insertion order kept for the
/// sums that depend on it). Searched in order while it is short (most news stories name a
/// handful of countries and regions), hashed once it grows: a long text names hundreds.
#[derive(Default)]
struct Totals {
    /// Empty until `items` holds `TOTALS_SCANNED` keys.
    index: FastMap<i32, usize>,
    items: Vec<(i32, f64)>,
}

/// How many keys `Totals` searches in order before it builds its index.
const TOTALS_SCANNED: usize = 16;

impl Totals {
    fn position(&self, key: i32) -> Option<usize> {
        if self.index.is_empty() {
            self.items.iter().position(|&(k, _)| k == key)
        } else {
            self.index.get(&key).copied()
        }
    }

    fn add(&mut self, key: i32, weight: f64) {
        match self.position(key) {
            Some(i) => self.items[i].1 += weight,
            None => {
                self.items.push((key, weight));
                if self.items.len() > TOTALS_SCANNED {
                    if self.index.is_empty() {
                        self.index.extend(self.items.iter().enumerate().map(|(i, &(k, _))| (k, i)));
                    } else {
                        self.index.insert(key, self.items.len() - 1);
                    }
                }
            }
        }
    }

    fn get(&self, key: i32) -> Option<f64> {
        self.position(key).map(|i| self.items[i].1)
    }
}

/// The value of `key` in a small insertion-ordered map (a Python dict's order, kept by a Vec).
fn weight_of<K: PartialEq + Copy>(map: &[(K, f64)], key: K) -> Option<f64> {
    map.iter().find(|(k, _)| *k == key).map(|(_, w)| *w)
}

/// Python's `round(x, 3)`: the double nearest to the decimal x rounded to three places. No
/// double lies exactly half-way between two multiples of 0.001 (2000 has the factor 125), so
/// there are no ties. Exact integer arithmetic on x's binary digits, then one correctly
/// rounded division; values outside the range where that is simple take the decimal string.
fn round3(x: f64) -> f64 {
    let magnitude = x.abs();
    if magnitude.is_nan() || !(1.0e-12..1.0e6).contains(&magnitude) {
        return format!("{:.3}", x).parse().unwrap_or(x);
    }
    let bits = magnitude.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32; // never 0 here: no subnormals that small
    let mantissa = u128::from((bits & ((1u64 << 52) - 1)) | (1u64 << 52));
    let shift = (1075 - exponent) as u32; // magnitude = mantissa / 2^shift, shift in 33..=92
    let scaled = mantissa * 1000;
    let whole = scaled >> shift;
    let rest = scaled - (whole << shift);
    let half = 1u128 << (shift - 1);
    let rounded = if rest > half || (rest == half && whole & 1 == 1) { whole + 1 } else { whole };
    let value = rounded as f64 / 1000.0;
    if x < 0.0 {
        -value
    } else {
        value
    }
}

/// `py_lower` into a reused buffer: ASCII is lowered in place, anything else as Python would.
fn lower_into(chars: &[char], buffer: &mut String) {
    buffer.clear();
    if chars.iter().all(char::is_ascii) {
        buffer.extend(chars.iter().map(char::to_ascii_lowercase));
    } else {
        buffer.push_str(&py_lower(chars));
    }
}

fn capped(x: f64) -> f64 {
    if x < 1.0 {
        x
    } else {
        1.0
    }
}

/// A capital that may start a segment: `[A-ZÀ-ÖØ-ÞĀ-ɏ]`. Without branches, so that the scan
/// for the next one (`next_upper_start`) runs eight characters at a time.
fn is_upper_start(c: char) -> bool {
    let c = c as u32;
    (c.wrapping_sub(0x41) < 26) | (c.wrapping_sub(0xc0) < 23) | (c.wrapping_sub(0xd8) < 7) | (c.wrapping_sub(0x100) < 0x150)
}

/// The first index from `from` on whose item passes `exact`, or `items.len()`. Most of a
/// text holds none: whole blocks of sixteen in which no item passes `maybe` (a test without
/// branches that lets through every item `exact` takes) are passed over at once.
fn next_match<T: Copy>(items: &[T], from: usize, maybe: impl Fn(T) -> bool, exact: impl Fn(T) -> bool) -> usize {
    let mut p = from;
    while let Some(block) = items.get(p..p + 16) {
        if block.iter().fold(false, |any, &item| any | maybe(item)) {
            break;
        }
        p += 16;
    }
    while p < items.len() && !exact(items[p]) {
        p += 1;
    }
    p
}

/// The first index from `from` on whose character may start a segment, or `chars.len()`:
/// blocks are passed over by a test with two comparisons.
fn next_upper_start(chars: &[char], from: usize) -> usize {
    let maybe_upper = |c: char| (c as u32).wrapping_sub(0x41) < 26 || c as u32 >= 0xc0;
    next_match(chars, from, maybe_upper, is_upper_start)
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, ' ' | '-' | '\'' | '.')
    } else {
        matches!(c, '\u{a0}' | '–' | '—' | '’')
    }
}

/// `_OTHER_SCRIPT` in gazetteer.py: Greek to Hangul, whose names Python matches.
fn is_other_script(c: char) -> bool {
    let c = c as u32;
    // branch-free, so that `any_other_script` tests sixteen characters at a time
    (c.wrapping_sub(0x370) <= 0x1fff - 0x370)
        | (c.wrapping_sub(0x2e80) <= 0xa4cf - 0x2e80)
        | (c.wrapping_sub(0xac00) <= 0xd7af - 0xac00)
        | (c.wrapping_sub(0xf900) <= 0xfaff - 0xf900)
}

/// The UTF-8 length of `chars`, summed without a branch per character.
fn utf8_len(chars: &[char]) -> usize {
    chars
        .iter()
        .map(|&c| {
            let c = c as u32;
            1 + usize::from(c >= 0x80) + usize::from(c >= 0x800) + usize::from(c >= 0x10000)
        })
        .sum()
}

/// Whether any character is of another script (`is_other_script`).
fn any_other_script(chars: &[char]) -> bool {
    chars.chunks(16).any(|block| block.iter().fold(false, |any, &c| any | is_other_script(c)))
}

fn is_alnum(c: char) -> bool {
    c.is_alphanumeric()
}

/// Python's `c.lower()` where that is one character, else `c` (`lower_same_length`).
fn lower_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lowered = c.to_lowercase();
    match (lowered.next(), lowered.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

fn py_lower(chars: &[char]) -> String {
    chars.iter().collect::<String>().to_lowercase()
}

/// Python's `str.isupper()` (`upper`) or `str.islower()`: some cased character, and none of
/// the other case.
fn is_cased_str(chars: &[char], upper: bool) -> bool {
    let mut cased = false;
    for &c in chars {
        let (same, other) = if upper {
            (c.is_uppercase(), c.is_lowercase())
        } else {
            (c.is_lowercase(), c.is_uppercase())
        };
        if other {
            return false;
        }
        cased |= same;
    }
    cased
}

fn is_alpha_str(chars: &[char]) -> bool {
    !chars.is_empty() && chars.iter().all(|c| c.is_alphabetic())
}

fn is_sentence_start(chars: &[char], start: usize) -> bool {
    let mut i = start;
    while i > 0 && matches!(chars[i - 1], ' ' | '\u{a0}') {
        i -= 1;
    }
    i == 0 || matches!(chars[i - 1], '.' | '!' | '?' | ':' | ';' | '"' | '“' | '”' | '\n' | '\r' | '\t')
}

/// How much a dateline raises a town's prior (`DATELINE_BONUS` in geoparse.py).
const DATELINE_BONUS: f64 = 0.25;

/// `_is_dateline` in geoparse.py: a capitals-only name of three letters or more opening a
/// sentence, then `(?:, [A-Za-z.]{1,15})? (?:\([A-Za-z ]{1,12}\) )?(?:—|–|--|-)`.
fn is_dateline(chars: &[char], start: usize, end: usize) -> bool {
    if end - start < 3 || !is_cased_str(&chars[start..end], true) || !is_sentence_start(chars, start) {
        return false;
    }
    let at = |i: usize| chars.get(i).copied();
    let mut i = end;
    if at(i) == Some(',') && at(i + 1) == Some(' ') {
        let mut j = i + 2;
        while j - (i + 2) < 15 && at(j).map_or(false, |c| c.is_ascii_alphabetic() || c == '.') {
            j += 1;
        }
        if j > i + 2 && at(j) == Some(' ') {
            i = j; // ", Minn." taken; a longer run leaves the comma unmatched
        }
    }
    if at(i) != Some(' ') {
        return false;
    }
    i += 1;
    if at(i) == Some('(') {
        let mut j = i + 1;
        while j - (i + 1) < 12 && at(j).map_or(false, |c| c.is_ascii_alphabetic() || c == ' ') {
            j += 1;
        }
        if j > i + 1 && at(j) == Some(')') && at(j + 1) == Some(' ') {
            i = j + 2;
        }
    }
    matches!(at(i), Some('—' | '–' | '-'))
}

/// `(?:[A-DF-MO-RT-VX-Z]\.|(?:[A-Z]\.){2,3})` as a full match: a person's initials.
fn is_initials(word: &[char]) -> bool {
    let pairs_ok = word.len() % 2 == 0
        && word.chunks(2).all(|pair| pair[0].is_ascii_uppercase() && pair[1] == '.');
    match word.len() {
        2 => pairs_ok && !matches!(word[0], 'E' | 'N' | 'S' | 'W'),
        4 | 6 => pairs_ok,
        _ => false,
    }
}

fn strip_trailing_dots(chars: &[char]) -> &[char] {
    let mut end = chars.len();
    while end > 0 && chars[end - 1] == '.' {
        end -= 1;
    }
    &chars[..end]
}

// ------------------------------------------------------------------ the shape of a person's name
//
// geodata/person_shape.py is the reference (keep the two in step): words are runs of
// characters between single spaces, and a capitalised word starts with an upper-case letter.

/// `WORD_WINDOW` of person_shape.py: how far back a word may start, in characters.
const WORD_WINDOW: usize = 30;
/// `NAME_WORDS` of person_shape.py: the most capitalised words of one person's name.
const NAME_WORDS: usize = 3;
/// `LIST_SEPARATORS` of person_shape.py.
const LIST_SEPARATORS: [&[char]; 2] = [&[',', ' '], &[' ', 'a', 'n', 'd', ' ']];

/// `word_before`: where the word that ends one space before `start` begins and ends, if any.
fn word_before(chars: &[char], start: usize) -> Option<(usize, usize)> {
    if start < 2 || chars[start - 1] != ' ' || chars[start - 2] == ' ' {
        return None;
    }
    let end = start - 1;
    let low = start.saturating_sub(WORD_WINDOW);
    let begin = chars[low..end].iter().rposition(|&c| c == ' ').map_or(0, |i| low + i + 1);
    if begin == 0 && start > WORD_WINDOW {
        return None; // a "word" longer than the window: not a name
    }
    Some((begin, end))
}

/// `capitalised_word_end`: where the capitalised word at `start` ends, or `start`.
fn capitalised_word_end(chars: &[char], start: usize) -> usize {
    if start >= chars.len() || !chars[start].is_uppercase() {
        return start;
    }
    let mut end = start + 1;
    while end < chars.len() && (is_alnum(chars[end]) || matches!(chars[end], '_' | '.' | '\'' | '’' | '-')) {
        end += 1;
    }
    end
}

/// `is_capitalised_name_word`: letters only, capitalised, longer than an initial.
fn is_capitalised_name_word(word: &[char]) -> bool {
    word.len() > 1 && word[0].is_uppercase() && is_alpha_str(word)
}

/// `initial_follows`: a one-letter initial and a capitalised word after a name ending at `end`.
fn initial_follows(chars: &[char], end: usize) -> bool {
    let upper = |i: usize| chars.get(i).map_or(false, |c| c.is_uppercase());
    chars.get(end) == Some(&' ')
        && upper(end + 1)
        && chars.get(end + 2) == Some(&'.')
        && chars.get(end + 3) == Some(&' ')
        && upper(end + 4)
}

/// Whether `chars` holds `pattern` at `at`.
fn holds_at(chars: &[char], at: usize, pattern: &[char]) -> bool {
    chars.get(at..at + pattern.len()) == Some(pattern)
}

/// The working arrays of matching a text, kept between calls on this thread: a news story's
/// are kilobytes each, and allocating, growing and freeing them per text cost a fifth of the
/// core's time (glibc serves blocks of that size from its slower bins).
#[derive(Default)]
struct Buffers {
    /// The text's characters.
    chars: Vec<char>,
    /// `segments`' runs of capitalised words.
    segments: Vec<(usize, usize)>,
    /// `latin_matches`' (start, end, key) matches, then the other scripts' too.
    matches: Vec<(usize, usize, u32)>,
    /// `latin_matches`' folded segment, the byte offset of each of its characters and its
    /// word starts and ends.
    folded: String,
    byte_at: Vec<usize>,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// `candidate_spans`' matches with their readings, before overlaps are dropped.
    found: Vec<(usize, usize, u32, Option<Range32>)>,
    /// `latin_matches`' segments as folded into `folded`, and each word's inline form and hash
    /// (one per entry of `starts`).
    pieces: Vec<Piece>,
    words: Vec<Option<(InlineName, u64)>>,
    /// `mentions`' per-document buffers and `resolve`'s.
    doc: Doc,
    scratch: Scratch,
}

/// A segment as `latin_matches` folds it: where it starts in the text and in `folded`, its
/// word starts and ends (ranges of `starts` and `ends`, offsets within the segment), and where
/// its characters' byte offsets start in `byte_at` (none are pushed for an ASCII segment).
#[derive(Clone, Copy)]
struct Piece {
    seg_start: usize,
    folded_from: usize,
    byte_from: usize,
    starts: Range32,
    ends: Range32,
    ascii: bool,
}

impl Piece {
    /// The byte offset in `folded` of the segment's character `i` (`i` may be its length).
    fn byte(&self, byte_at: &[usize], i: usize) -> usize {
        if self.ascii {
            self.folded_from + i
        } else {
            byte_at[self.byte_from + i]
        }
    }
}

thread_local! {
    static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::new(Buffers::default());
}

/// The longest text (in chars) whose buffers are kept between calls: a huge text's are freed.
const KEPT_CHARS_MAX: usize = 1 << 18;

/// FNV-1a: short keys, many lookups; the standard SipHash costs more than the probe.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// The longest name, in UTF-8 bytes, that `NameTable` keeps inline; longer ones (few) sit in
/// a map of their own.
const INLINE_NAME_BYTES: usize = 23;

/// A folded name of at most `INLINE_NAME_BYTES` bytes, zero-padded, its length in the last
/// byte (so equal keys are equal names, whatever bytes a name holds): compared and hashed as
/// three words, with no pointer to follow.
/// Looking a run of words up is most of the core's matching time, and with boxed strings
/// each probe that hits read the key through a second cache miss.
#[derive(Clone, Copy, PartialEq, Eq)]
struct InlineName([u64; 3]);

impl InlineName {
    fn new(name: &str) -> Option<InlineName> {
        let bytes = name.as_bytes();
        if bytes.len() > INLINE_NAME_BYTES {
            return None;
        }
        let mut padded = [0u8; INLINE_NAME_BYTES + 1];
        padded[..bytes.len()].copy_from_slice(bytes);
        padded[INLINE_NAME_BYTES] = bytes.len() as u8;
        let word = |i: usize| u64::from_le_bytes(padded[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Some(InlineName([word(0), word(1), word(2)]))
    }

    /// Multiply-rotate over the three words, then a finaliser that spreads every bit of them
    /// over the high bits that pick a slot and the low ones that tag it (`InlineTable`).
    fn mixed(&self) -> u64 {
        let [a, b, c] = self.0;
        let mut hash = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.rotate_left(23) ^ c.rotate_left(47);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^ (hash >> 33)
    }
}

/// `InlineName`s -> (key, whether a longer name starts with this one), in open addressing
/// with linear probing: a tag byte per slot (0 empty, else seven bits of the hash with the
/// high bit set) and the slots themselves in a parallel array, filled to three quarters at
/// most. A name's first slot is its hash scaled to the table's length, so the table needs no
/// power-of-two size, which took twice the memory of one that just fits for the
/// gazetteer of the evaluation texts.
/// Written here rather than taken from `std`'s map because a caller can ask for a name's slot
/// to be fetched into the cache ahead of the lookup (`prefetch`): the lookups of a text's
/// capitalised words are independent, and waiting for memory one after another was about an
/// eighth of `geoparse`'s time on the evaluation texts (perf).
#[derive(Default)]
struct InlineTable {
    tags: Vec<u8>,
    slots: Vec<(InlineName, (u32, bool))>,
    len: usize,
}

impl InlineTable {
    /// A table for about `entries` names (it grows if more come).
    fn with_capacity(entries: usize) -> InlineTable {
        let capacity = entries * 4 / 3 + 16;
        InlineTable { tags: vec![0; capacity], slots: vec![(InlineName([0; 3]), (NO_KEY, false)); capacity], len: 0 }
    }

    fn first_slot(&self, hash: u64) -> usize {
        ((u128::from(hash) * self.tags.len() as u128) >> 64) as usize
    }

    fn next_slot(&self, slot: usize) -> usize {
        if slot + 1 == self.tags.len() {
            0
        } else {
            slot + 1
        }
    }

    /// Seven low bits of the hash: the first slot comes from its high bits.
    fn tag(hash: u64) -> u8 {
        hash as u8 | 0x80
    }

    /// The value of `name`, inserted as (no key, no longer name) if it is new.
    fn entry(&mut self, name: InlineName) -> &mut (u32, bool) {
        if (self.len + 1) * 4 > self.tags.len() * 3 {
            self.grow();
        }
        let hash = name.mixed();
        let tag = Self::tag(hash);
        let mut slot = self.first_slot(hash);
        loop {
            let found = self.tags[slot];
            if found == 0 {
                self.tags[slot] = tag;
                self.slots[slot] = (name, (NO_KEY, false));
                self.len += 1;
                return &mut self.slots[slot].1;
            }
            if found == tag && self.slots[slot].0 == name {
                return &mut self.slots[slot].1;
            }
            slot = self.next_slot(slot);
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, InlineTable::with_capacity(self.len.max(16) * 3 / 2));
        for (&tag, &(name, value)) in old.tags.iter().zip(&old.slots) {
            if tag != 0 {
                *self.entry(name) = value;
            }
        }
    }

    fn get(&self, name: &InlineName, hash: u64) -> Option<(u32, bool)> {
        if self.tags.is_empty() {
            return None;
        }
        let tag = Self::tag(hash);
        let mut slot = self.first_slot(hash);
        loop {
            let found = self.tags[slot];
            if found == 0 {
                return None;
            }
            if found == tag && self.slots[slot].0 == *name {
                return Some(self.slots[slot].1);
            }
            slot = self.next_slot(slot);
        }
    }

    /// Ask for the cache lines where a name of this hash is looked for first (a hint: nothing
    /// else changes).
    fn prefetch(&self, hash: u64) {
        let slot = self.first_slot(hash); // 0 in an empty table, where `prefetch` asks nothing
        prefetch(&self.tags, slot);
        prefetch(&self.slots, slot);
    }
}

/// Ask for the cache line of `items[index]` (none if out of range): a hint that lets the
/// lookups of a text's many names wait for memory together rather than one after another.
/// Nothing else changes.
#[inline(always)]
fn prefetch<T>(items: &[T], index: usize) {
    if index < items.len() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: in bounds (checked above); a prefetch reads nothing into the program.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(items.as_ptr().add(index).cast());
        }
    }
}

/// Folded Latin-script names -> (key, whether a longer name starts with this one): see
/// `Core::names`. Names of up to `INLINE_NAME_BYTES` bytes (nearly all) are stored inline,
/// so that a probe that finds one compares it in place rather than through a pointer to a
/// boxed string; longer ones sit in an ordinary map.
#[derive(Default)]
struct NameTable {
    short: InlineTable,
    long: FastMap<Box<str>, (u32, bool)>,
}

impl NameTable {
    fn entry(&mut self, name: &str) -> &mut (u32, bool) {
        match InlineName::new(name) {
            Some(inline) => self.short.entry(inline),
            None => self.long.entry(name.into()).or_insert((NO_KEY, false)),
        }
    }

    fn get(&self, name: &str) -> Option<(u32, bool)> {
        self.get_prepared(name, Self::prepare(name))
    }

    /// A name's inline form and hash, where it has one: made once for `prefetch` and `get`.
    fn prepare(name: &str) -> Option<(InlineName, u64)> {
        InlineName::new(name).map(|inline| (inline, inline.mixed()))
    }

    fn get_prepared(&self, name: &str, prepared: Option<(InlineName, u64)>) -> Option<(u32, bool)> {
        match prepared {
            Some((inline, hash)) => self.short.get(&inline, hash),
            None => self.long.get(name).copied(),
        }
    }

    fn prefetch(&self, prepared: Option<(InlineName, u64)>) {
        if let Some((_, hash)) = prepared {
            self.short.prefetch(hash);
        }
    }
}

#[pyclass(module = "riskmap_geocore")]
struct Core {
    /// Folded Latin-script names ("kabul", "st  louis") -> key. Every name starts and ends on a
    /// word boundary, so looking up each run of whole words of a segment finds what an
    /// Aho-Corasick pass over the padded segment finds, overlaps included.
    /// Each name's leading whole words ("new", "new york" for "new york city") are entries too,
    /// with no key (`NO_KEY`): a run of words is extended only while it can still grow into a
    /// name. The flag says whether some longer name starts with the entry.
    names: NameTable,
    /// The most words a name has: longer runs need no lookup.
    max_words: usize,
    key_bits: Vec<u8>,
    key_start: Vec<u32>,
    readings: Vec<Reading>,
    /// The admin-1 regions that touch each region, flat: those of region `r` are
    /// `neighbour_ids[neighbour_start[r]..neighbour_start[r + 1]]` (one array to read rather
    /// than a pointer per region to follow).
    neighbour_start: Vec<u32>,
    neighbour_ids: Vec<i32>,
    /// Connectors made of letters and digits only: the alphanumeric run after the separators
    /// must equal one (the regex's `(?![^\W_])` lookahead).
    connector_words: FastSet<String>,
    /// The longest of `connector_words`, in chars: a longer run is none of them.
    connector_chars: usize,
    /// Any other connectors, tried in the regex's order (longest first).
    connectors: Vec<Vec<char>>,
    titles: FastSet<String>,
    given_names: FastSet<String>,
    heads: FastSet<String>,
    streets: FastSet<String>,
    /// `Gazetteer.kin_words`: "his wife Edna" makes a person.
    kin: FastSet<String>,
    /// `Gazetteer.feature_heads`: "Lake Champlain" names a lake.
    features: FastSet<String>,
    /// `Gazetteer.feature_of_heads`: "Gulf of Mexico" names a sea.
    features_of: FastSet<String>,
    openers: FastSet<String>,
    /// Ordinary words, type words and titles: no surname after a region's given name.
    ordinary: FastSet<String>,
    /// Per (place, mode): the parts of a mention that depend on the place alone, made once by
    /// the caller's `template_of` (see `parse_mentions`).
    templates: Mutex<FastMap<(u32, u8), PyObject>>,
    speech_verbs: FastSet<String>,
    state_nouns: FastSet<String>,
    /// `_LOCATIVES` of geoparse.py: "in Vista" makes a word town a place.
    locatives: FastSet<String>,
    /// Per key: `Gazetteer.word_towns` holds it (small towns named by an ordinary word).
    word_town: Vec<bool>,
    /// Per place: kind, country and admin-1 region (what a mention of it reports), for the
    /// document-coherence pass (`cohere`).
    place_kind: Vec<u8>,
    place_country: Vec<i32>,
    place_admin1: Vec<i32>,
    /// Per region: its id (ties between regions are broken by id, as Python sorts them) and
    /// its country (-1 unknown). Empty when the caller gave none: `parse_document` then refuses.
    region_ids: Vec<String>,
    region_country: Vec<i32>,
    /// The counties each US town lies in, by place: `county_place[county_start[p]..county_start[p
    /// + 1]]` (`Gazetteer.place_counties`), for the county pass (`county_moves`). Empty when
    /// the caller gave none: the pass then does nothing.
    county_start: Vec<u32>,
    county_place: Vec<u32>,
}

fn base_prior(kind: u8, flags: u8, population: i64) -> f64 {
    if kind == COUNTRY {
        let own = if flags & DEMONYM != 0 { 0.85 } else { 1.1 };
        return own - if flags & VARIANT != 0 { 0.05 } else { 0.0 };
    }
    if kind == BORDER {
        return 0.95;
    }
    let score = if kind == ADMIN1 {
        if flags & (POSTAL | ABBREV) != 0 {
            0.5
        } else if flags & TYPED != 0 {
            0.97 + if flags & SEAT != 0 { SEAT_BONUS } else { 0.0 }
        } else if flags & SEAT != 0 {
            0.85 + SEAT_BONUS
        } else {
            0.85
        }
    } else if kind == COUNTY {
        0.9
    } else {
        let prior = 0.3 + 0.09 * ((population + 10) as f64).log10();
        if prior < 0.92 {
            prior
        } else {
            0.92
        }
    };
    score - if flags & VARIANT != 0 { 0.07 } else { 0.0 }
}

fn country_weight(kind: u8, population: i64) -> f64 {
    if kind != CITY {
        return 0.3;
    }
    let size = ((population + 1) as f64).log10();
    let scaled = (size - 3.0) / 3.0;
    let clipped = if scaled > 0.0 { scaled } else { 0.0 };
    0.3 * if clipped < 1.0 { clipped } else { 1.0 }
}

fn word_set(words: Vec<String>) -> FastSet<String> {
    words.into_iter().collect()
}

#[pymethods]
impl Core {
    /// Build the core from the gazetteer's flat columns (see `geodata.geoparse._core_for`).
    /// `region_ids` and `region_country` (per region number: its id and its country number)
    /// are needed by `parse_document` only; `parse_mentions` works without them.
    #[new]
    #[args(
        region_ids = "None",
        region_country = "None",
        county_start = "None",
        county_place = "None",
        minor_country = "None",
        word_towns = "None"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        patterns: Vec<(String, u32)>,
        key_length: Vec<u32>,
        key_bits: Vec<u8>,
        entry_start: Vec<u32>,
        entry_place: Vec<u32>,
        entry_flags: Vec<u8>,
        place_kind: Vec<u8>,
        place_country: Vec<i32>,
        place_admin1: Vec<i32>,
        place_population: Vec<i64>,
        neighbours: Vec<Vec<i32>>,
        connectors: Vec<String>,
        words: HashMap<String, Vec<String>>,
        region_ids: Option<Vec<String>>,
        region_country: Option<Vec<i32>>,
        county_start: Option<Vec<u32>>,
        county_place: Option<Vec<u32>>,
        minor_country: Option<Vec<bool>>,
        word_towns: Option<Vec<u32>>,
    ) -> PyResult<Self> {
        let (region_ids, region_country) = (region_ids.unwrap_or_default(), region_country.unwrap_or_default());
        if region_ids.len() != region_country.len() {
            return Err(PyValueError::new_err("region columns differ in length"));
        }
        let (county_start, county_place) = (county_start.unwrap_or_default(), county_place.unwrap_or_default());
        if !county_start.is_empty()
            && (county_start.len() != place_kind.len() + 1
                || county_start.last().map_or(true, |&end| end as usize != county_place.len()))
        {
            return Err(PyValueError::new_err("county columns do not match the places"));
        }
        let mut key_bits = key_bits;
        if entry_place.len() != entry_flags.len() || key_length.len() != key_bits.len() {
            return Err(PyValueError::new_err("gazetteer columns differ in length"));
        }
        let minor_country = minor_country.unwrap_or_default();
        let mut word_town = vec![false; key_bits.len()];
        for key in word_towns.unwrap_or_default() {
            match word_town.get_mut(key as usize) {
                Some(slot) => *slot = true,
                None => return Err(PyValueError::new_err("a word town is no key")),
            }
        }
        let mut readings = Vec::with_capacity(entry_place.len());
        for (&place, &flags) in entry_place.iter().zip(entry_flags.iter()) {
            let index = place as usize;
            let (kind, population) = (place_kind[index], place_population[index]);
            let mut base = base_prior(kind, flags, population);
            let country = place_country[index];
            if kind == ADMIN1 && country >= 0 && minor_country.get(country as usize).copied().unwrap_or(false) {
                base -= MINOR_REGION_PENALTY; // `MINOR_REGION_PENALTY` of geoparse.py
            }
            readings.push(Reading {
                place,
                flags,
                base,
                kind,
                country: place_country[index],
                admin1: place_admin1[index],
                country_weight: country_weight(kind, population),
                big: population >= BIG_TOWN_POPULATION,
            });
        }
        let mut names = NameTable::default();
        names.short = InlineTable::with_capacity(patterns.len() * 5 / 4);
        let mut max_words = 0;
        for (pattern, key) in &patterns {
            let key = *key;
            if key_bits.get(key as usize).map_or(true, |bits| bits & 2 != 0) {
                return Err(PyValueError::new_err("Latin-script names are padded keys"));
            }
            let name = pattern.strip_prefix(' ').and_then(|p| p.strip_suffix(' ')).unwrap_or(pattern);
            let mut words = 0;
            for (i, c) in name.char_indices() {
                // a word ends before each space that follows a non-space
                if c == ' ' && i > 0 && !name[..i].ends_with(' ') {
                    names.entry(&name[..i]).1 = true;
                    words += 1;
                }
            }
            max_words = max_words.max(words + 1);
            names.entry(name).0 = key;
            key_bits[key as usize] |= LATIN_KEY;
        }
        // The regex's alternation order: longest first, ties in the given order.
        let (plain, mut small): (Vec<String>, Vec<String>) = connectors
            .into_iter()
            .partition(|w| !w.is_empty() && w.chars().all(is_alnum));
        small.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let small: Vec<Vec<char>> = small.iter().map(|w| w.chars().collect()).collect();
        let mut words = words;
        let mut take = |name: &str| word_set(words.remove(name).unwrap_or_default());
        Ok(Core {
            names,
            max_words,
            key_bits,
            key_start: entry_start,
            readings,
            neighbour_start: std::iter::once(0)
                .chain(neighbours.iter().scan(0u32, |end, near| {
                    *end += near.len() as u32;
                    Some(*end)
                }))
                .collect(),
            neighbour_ids: neighbours.concat(),
            connector_chars: plain.iter().map(|w| w.chars().count()).max().unwrap_or(0),
            connector_words: word_set(plain),
            connectors: small,
            titles: take("titles"),
            given_names: take("given_names"),
            heads: take("heads"),
            streets: take("streets"),
            kin: take("kin"),
            features: take("features"),
            features_of: take("features_of"),
            openers: take("openers"),
            ordinary: take("ordinary"),
            templates: Mutex::new(FastMap::default()),
            speech_verbs: take("speech_verbs"),
            state_nouns: take("state_nouns"),
            locatives: take("locatives"),
            word_town,
            place_kind,
            place_country,
            place_admin1,
            region_ids,
            region_country,
            county_start,
            county_place,
        })
    }

    /// Mentions of `text` as `(start, end, place, confidence, mode)`: mode 0 a place, 1 a town
    /// name reported at country level only, 2 a named line (a border).
    ///
    /// `other` holds the `(start, end, key)` matches of names in other scripts, found in Python.
    /// Returns None when `other` is None and the text has letters of other scripts: the
    /// caller then matches those names and calls again.
    fn parse(
        &self,
        py: Python<'_>,
        text: &str,
        other: Option<Vec<(usize, usize, u32)>>,
        min_confidence: f64,
    ) -> Option<Vec<(usize, usize, u32, f64, u8)>> {
        let rows = self.rows(py, text, other, min_confidence, false)?;
        Some(rows.iter().map(|r| (r.start, r.end, r.place, r.confidence, r.mode)).collect())
    }

    /// Like `parse`, but returns the mentions themselves: instances of `mention_type` (a named
    /// tuple of 11 fields: start, end, surface, kind, country, admin1, border, region_ids,
    /// confidence, precision, point). `template_of(place, mode)` gives the 7 place fields
    /// (kind, country, admin1, border, region_ids, precision, point) or None to drop the row;
    /// it is called once per place and mode. Kept for callers that run the coherence pass
    /// themselves (a checkout older than `parse_document` sharing this build).
    #[allow(clippy::too_many_arguments)]
    fn parse_mentions(
        &self,
        py: Python<'_>,
        text: &str,
        other: Option<Vec<(usize, usize, u32)>>,
        min_confidence: f64,
        mention_type: &PyType,
        template_of: &PyAny,
    ) -> PyResult<Option<PyObject>> {
        let rows = match self.rows(py, text, other, min_confidence, false) {
            Some(rows) => rows,
            None => return Ok(None),
        };
        let placed = self.with_templates(py, rows, template_of)?;
        Ok(Some(self.build_mentions(py, text, &placed, mention_type)?))
    }

    /// The whole compiled pass of `geoparse` but borders: `parse_mentions`, then the document
    /// coherence pass (`_cohere` of geoparse.py, the reference). Returns `(mentions, border)`,
    /// where `border` is false when no border phrase can be in the text (no country among the
    /// mentions, or no border word in it: `has_border_word`), so the caller skips that
    /// pass; None as `parse` does. Needs the regions given to the constructor.
    #[allow(clippy::too_many_arguments)]
    fn parse_document(
        &self,
        py: Python<'_>,
        text: &str,
        other: Option<Vec<(usize, usize, u32)>>,
        min_confidence: f64,
        mention_type: &PyType,
        template_of: &PyAny,
    ) -> PyResult<Option<(PyObject, bool, u8)>> {
        if self.region_ids.is_empty() {
            return Err(PyValueError::new_err("parse_document needs region_ids and region_country"));
        }
        let rows = match self.rows(py, text, other, min_confidence, true) {
            Some(rows) => rows,
            None => return Ok(None),
        };
        let (held, rows): (Vec<Row>, Vec<Row>) = if rows.iter().any(|row| row.mode == HELD_BACK) {
            rows.into_iter().partition(|row| row.mode == HELD_BACK)
        } else {
            (Vec::new(), rows) // no county named: nothing held back (most documents)
        };
        let mut placed = self.with_templates(py, rows, template_of)?;
        let cohered = self.cohere(text, &placed);
        self.move_rows(py, &mut placed, cohered, template_of)?;
        let placed = self.county_pass(py, text, placed, held, min_confidence, template_of)?;
        let border = placed.iter().any(|(row, _)| row.mode == 0 && self.place_kind[row.place as usize] == COUNTRY)
            && has_border_word(text);
        let lists = self.list_passes(text, &placed);
        Ok(Some((self.build_mentions(py, text, &placed, mention_type)?, border, lists)))
    }
}

/// One reported occurrence: where, which place, how sure, how reported (mode 0 a place, 1 a
/// town name at country level only, 2 a named line) and the key it was matched as.
#[derive(Clone, Copy)]
struct Row {
    start: usize,
    end: usize,
    place: u32,
    confidence: f64,
    mode: u8,
    key: u32,
    /// Where the mention lies in the UTF-8 text, for slicing it.
    byte_start: usize,
    byte_end: usize,
}

/// What `cohere` reads of a mention: its kind as a `Mention` reports it (a county is a city),
/// country and admin-1 region (-1 for None).
#[derive(Clone, Copy, PartialEq)]
enum MentionKind {
    Country,
    Admin1,
    City,
    Border,
}

impl Core {
    /// Mention rows of `text` (see `parse`), computed without the GIL.
    fn rows(
        &self,
        py: Python<'_>,
        text: &str,
        other: Option<Vec<(usize, usize, u32)>>,
        min_confidence: f64,
        held_back: bool,
    ) -> Option<Vec<Row>> {
        let work = || {
            let ascii = text.is_ascii();
            let mut buffers = BUFFERS.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
            let mut chars = std::mem::take(&mut buffers.chars);
            chars.clear();
            if ascii {
                chars.extend(text.bytes().map(char::from)); // no decoding
            } else {
                chars.extend(text.chars());
            }
            let other = match other {
                Some(other) => Some(other),
                None if !ascii && any_other_script(&chars) => None,
                None => Some(Vec::new()),
            };
            // The per-document buffers of the last text, emptied: allocating them afresh for
            // each text, with `Totals` hashing a handful of keys, took a tenth of the core's
            // time on the evaluation texts (the two measured together).
            let (mut doc, mut scratch) = (std::mem::take(&mut buffers.doc), std::mem::take(&mut buffers.scratch));
            doc.clear();
            let rows = other.map(|other| {
                self.mentions(text, &chars, other, min_confidence, held_back, &mut buffers, &mut doc, &mut scratch)
            });
            if chars.capacity() <= KEPT_CHARS_MAX {
                buffers.chars = chars;
                (buffers.doc, buffers.scratch) = (doc, scratch);
                BUFFERS.with(|kept| *kept.borrow_mut() = buffers);
            }
            rows
        };
        // Other Python threads run while a long text is read; for a short one, handing the
        // GIL over and back costs more than the reading (a tenth of a news story's parse).
        if text.len() < GIL_FREE_MIN_BYTES {
            work()
        } else {
            py.allow_threads(work)
        }
    }

    /// The template of a place and mode (see `parse_mentions`), asked of Python once.
    fn template(&self, py: Python<'_>, place: u32, mode: u8, template_of: &PyAny) -> PyResult<PyObject> {
        // The lock is never held across a call into Python: Python code can hand the GIL to
        // another thread, which could then wait on this lock while holding the GIL.
        let cached = self
            .templates
            .lock()
            .map_err(|_| PyValueError::new_err("template cache poisoned"))?
            .get(&(place, mode))
            .map(|template| template.clone_ref(py));
        if let Some(template) = cached {
            return Ok(template);
        }
        let made: PyObject = template_of.call1((place, mode))?.into();
        if !made.is_none(py) && made.as_ref(py).downcast::<PyTuple>()?.len() != 7 {
            return Err(PyValueError::new_err("a mention template has 7 fields"));
        }
        self.templates
            .lock()
            .map_err(|_| PyValueError::new_err("template cache poisoned"))?
            .insert((place, mode), made.clone_ref(py));
        Ok(made)
    }

    /// Rows with their templates; rows whose template is None are dropped.
    fn with_templates(&self, py: Python<'_>, rows: Vec<Row>, template_of: &PyAny) -> PyResult<Vec<(Row, PyObject)>> {
        let mut placed = Vec::with_capacity(rows.len());
        for row in rows {
            let template = self.template(py, row.place, row.mode, template_of)?;
            if !template.is_none(py) {
                placed.push((row, template));
            }
        }
        Ok(placed)
    }

    /// A list of `mention_type` instances, one per row.
    fn build_mentions(&self, py: Python<'_>, text: &str, placed: &[(Row, PyObject)], mention_type: &PyType) -> PyResult<PyObject> {
        let list = PyList::empty(py);
        for (row, template) in placed {
            let parts: &PyTuple = template.as_ref(py).downcast()?;
            let surface: PyObject = PyString::new(py, &text[row.byte_start..row.byte_end]).into();
            let items: [PyObject; 11] = [
                row.start.into_py(py),
                row.end.into_py(py),
                surface,
                parts.get_item(0)?.into(),
                parts.get_item(1)?.into(),
                parts.get_item(2)?.into(),
                parts.get_item(3)?.into(),
                parts.get_item(4)?.into(),
                row.confidence.into_py(py),
                parts.get_item(5)?.into(),
                parts.get_item(6)?.into(),
            ];
            // What tuple.__new__(mention_type, items) does for a tuple subclass, without the
            // intermediate tuple: allocate the instance and move the items in.
            let mention = unsafe {
                let object = pyo3::ffi::PyType_GenericAlloc(mention_type.as_type_ptr(), 11);
                if object.is_null() {
                    return Err(PyErr::fetch(py));
                }
                let mention = PyObject::from_owned_ptr(py, object);
                for (i, item) in items.into_iter().enumerate() {
                    if pyo3::ffi::PyTuple_SetItem(object, i as isize, item.into_ptr()) != 0 {
                        return Err(PyErr::fetch(py));
                    }
                }
                mention
            };
            list.append(mention)?;
        }
        Ok(list.into())
    }

    /// Which list passes of geoparse.py can change anything (they hold the rules; this only
    /// spares most texts the cost): bit 1 `_countries_in_lists`, a name with a country reading
    /// right next to a country in a list ("Mexico, China"); bit 2 `_regions_in_lists`, a town
    /// with a region reading in a list that holds a region ("Ohio, Oregon and Idaho"); bit 4
    /// `_typed_lists`, a plural type word right after a capitalised word ("Walsh counties");
    /// bit 8 `_phone_region_pass`, a North American phone number in the text (the pass itself
    /// looks for towns: a list pass may have made one); bit 16 `_country_level_towns`, a town
    /// name reported at country level (only such rows make one: the passes before it place
    /// towns in their regions).
    fn list_passes(&self, text: &str, placed: &[(Row, PyObject)]) -> u8 {
        let mut passes = 0;
        if placed.iter().any(|(row, _)| row.mode == 1) {
            passes |= 16;
        }
        // `_TYPED_LIST` ends in a capitalised name and one space before the type word.
        let after_a_name = |at: usize| {
            text[..at].strip_suffix(' ').map_or(false, |head| {
                head.rsplit(' ').next().map_or(false, |word| word.starts_with(|c: char| c.is_ascii_uppercase()))
            })
        };
        // `contains` first: its SIMD search is several times faster than `match_indices`.
        let typed = |word: &str| text.contains(word) && text.match_indices(word).any(|(at, _)| after_a_name(at));
        if typed("counties") || typed("parishes") {
            passes |= 4;
        }
        let reported: Vec<(MentionKind, i32, i32)> = placed.iter().map(|(row, _)| self.reported(row)).collect();
        let mut region_countries: Vec<i32> = Vec::new();
        if has_phone_digits(text) {
            passes |= 8;
        }
        let mut first = 0;
        while first < placed.len() {
            let mut last = first;
            while last + 1 < placed.len() && self.joined(text, &placed[last].0, &placed[last + 1].0) {
                last += 1;
            }
            let chain = first..last + 1;
            // `_regions_in_lists` moves a town only to a region of the country most of the
            // list's regions lie in: one of theirs
            region_countries.clear();
            region_countries.extend(
                reported[chain.clone()].iter().filter(|r| r.0 == MentionKind::Admin1).map(|r| r.1),
            );
            for index in chain.clone().filter(|_| last > first) {
                let (kind, key) = (reported[index].0, placed[index].0.key);
                let beside_country = (index > first && reported[index - 1].0 == MentionKind::Country)
                    || (index < last && reported[index + 1].0 == MentionKind::Country);
                if beside_country && kind != MentionKind::Country && kind != MentionKind::Border && self.key_means(key, COUNTRY) {
                    passes |= 1;
                }
                if !region_countries.is_empty() && kind == MentionKind::City && self.key_means_in(key, ADMIN1, &region_countries) {
                    passes |= 2;
                }
            }
            first = last + 1;
        }
        passes
    }

    /// Whether two mentions are items of one list (`_LIST_GAPS` between them).
    fn joined(&self, text: &str, left: &Row, right: &Row) -> bool {
        right.byte_start >= left.byte_end && LIST_GAPS.contains(&&text[left.byte_end..right.byte_start])
    }

    /// Whether a key has a reading of `kind` (an unknown key may: the caller then looks).
    fn key_means(&self, key: u32, kind: u8) -> bool {
        if key == NO_KEY {
            return true;
        }
        let range = self.key_start[key as usize] as usize..self.key_start[key as usize + 1] as usize;
        self.readings[range].iter().any(|reading| reading.kind == kind)
    }

    /// Whether a key has a reading of `kind` in one of `countries` (an unknown key may).
    fn key_means_in(&self, key: u32, kind: u8, countries: &[i32]) -> bool {
        key == NO_KEY || self.readings[self.entries(key)].iter().any(|r| r.kind == kind && countries.contains(&r.country))
    }

    /// What a mention of `row` reports: kind, country, admin-1 region.
    fn reported(&self, row: &Row) -> (MentionKind, i32, i32) {
        let place = row.place as usize;
        match row.mode {
            0 => {
                let kind = match self.place_kind[place] {
                    COUNTRY => MentionKind::Country,
                    ADMIN1 => MentionKind::Admin1,
                    BORDER => MentionKind::Border,
                    _ => MentionKind::City,
                };
                (kind, self.place_country[place], self.place_admin1[place])
            }
            1 => (MentionKind::City, self.place_country[place], -1),
            _ => (MentionKind::Border, -1, -1),
        }
    }

    /// Read each `(row index, place)` as that place, at least as sure as a namesake move makes
    /// it (`_moved` of geoparse.py).
    fn move_rows(
        &self,
        py: Python<'_>,
        placed: &mut [(Row, PyObject)],
        moves: Vec<(usize, u32)>,
        template_of: &PyAny,
    ) -> PyResult<()> {
        for (index, place) in moves {
            let row = &mut placed[index].0;
            row.place = place;
            row.mode = 0;
            if row.confidence < DEFAULT_MIN_CONFIDENCE {
                row.confidence = DEFAULT_MIN_CONFIDENCE;
            }
            placed[index].1 = self.template(py, place, 0, template_of)?;
        }
        Ok(())
    }

    /// Names as numbers: equal lower-case surfaces, equal numbers, numbered in order of first
    /// occurrence. Returns each row's name and each name's first row.
    fn name_numbers(&self, text: &str, placed: &[(Row, PyObject)]) -> (Vec<usize>, Vec<usize>) {
        // The lower-case surfaces go side by side into one string.
        let mut lowered = String::new();
        let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(placed.len());
        for (row, _) in placed {
            let surface = &text[row.byte_start..row.byte_end];
            let from = lowered.len();
            if surface.is_ascii() {
                lowered.extend(surface.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                lowered.push_str(&surface.to_lowercase());
            }
            bounds.push((from, lowered.len()));
        }
        let mut number_of: FastMap<&str, usize> = FastMap::with_capacity_and_hasher(placed.len(), Default::default());
        let mut first: Vec<usize> = Vec::new(); // per name: its first row
        let names: Vec<usize> = bounds
            .iter()
            .enumerate()
            .map(|(index, &(from, to))| {
                let next = number_of.len();
                let number = *number_of.entry(&lowered[from..to]).or_insert(next);
                if number == next {
                    first.push(index);
                }
                number
            })
            .collect();
        (names, first)
    }

    /// A county name: placed in a county, or reported at country level only (its counties lie
    /// in several states) with a county among the readings of its Latin-script key.
    fn names_county(&self, row: &Row) -> bool {
        match row.mode {
            0 => self.place_kind[row.place as usize] == COUNTY,
            1 => {
                row.key != NO_KEY
                    && self.key_bits[row.key as usize] & LATIN_KEY != 0
                    && self.entries(row.key).any(|r| self.readings[r].kind == COUNTY)
            }
            _ => false,
        }
    }

    /// `_beside_own_region` of geoparse.py: a town written with its own region right after it
    /// ("Kansas City, Kan.").
    fn beside_own_region(&self, text: &str, placed: &[(Row, PyObject)], index: usize) -> bool {
        let Some((following, _)) = placed.get(index + 1) else { return false };
        let town = &placed[index].0;
        let (kind, _, region) = self.reported(following);
        kind == MentionKind::Admin1
            && region >= 0
            && region == self.reported(town).2
            && following.byte_start >= town.byte_end
            && matches!(&text[town.byte_end..following.byte_start], "," | ", ")
    }

    /// `_county_pass` of geoparse.py: the county pass over the reported rows and the held-back
    /// town names (mode `HELD_BACK`, templated as places); held-back names a county claims are
    /// reported, at least as sure as the bar, and the others dropped.
    fn county_pass(
        &self,
        py: Python<'_>,
        text: &str,
        placed: Vec<(Row, PyObject)>,
        held: Vec<Row>,
        min_confidence: f64,
        template_of: &PyAny,
    ) -> PyResult<Vec<(Row, PyObject)>> {
        let mut placed = placed;
        let held_county = held.iter().any(|row| self.place_kind[row.place as usize] == COUNTY);
        if self.county_start.is_empty() || !(held_county || placed.iter().any(|(row, _)| self.names_county(row))) {
            return Ok(placed); // no county named (most documents): the held-back names stay out
        }
        if held.is_empty() {
            let mut moves = self.county_moves(text, &placed, &[]);
            moves.retain(|&(index, _)| !self.beside_own_region(text, &placed, index));
            self.move_rows(py, &mut placed, moves, template_of)?;
            return Ok(placed);
        }
        let mut merged: Vec<(Row, PyObject, bool)> = Vec::with_capacity(placed.len() + held.len());
        merged.extend(placed.into_iter().map(|(row, template)| (row, template, false)));
        for mut row in held {
            row.mode = 0;
            let template = self.template(py, row.place, 0, template_of)?;
            if !template.is_none(py) {
                merged.push((row, template, true));
            }
        }
        merged.sort_by_key(|entry| entry.0.start); // stable: reported rows first at one start
        let below_bar: Vec<bool> = merged.iter().map(|entry| entry.2).collect();
        let mut placed: Vec<(Row, PyObject)> = merged.into_iter().map(|(row, template, _)| (row, template)).collect();
        let mut moves = self.county_moves(text, &placed, &below_bar);
        moves.retain(|&(index, _)| below_bar[index] || !self.beside_own_region(text, &placed, index));
        let mut claimed = vec![false; placed.len()];
        for &(index, _) in &moves {
            claimed[index] = true;
        }
        self.move_rows(py, &mut placed, moves, template_of)?;
        Ok(placed
            .into_iter()
            .enumerate()
            .filter(|&(index, _)| !below_bar[index] || claimed[index])
            .map(|(index, (mut row, template))| {
                if below_bar[index] && row.confidence < min_confidence {
                    row.confidence = min_confidence;
                }
                (row, template)
            })
            .collect())
    }

    /// `county_moves` of geodata/county_towns.py (the reference; keep the two in step):
    /// (row index, place) for every occurrence of a county name read as the namesake county
    /// that holds the document's towns, and of each town name moved inside it.
    fn county_moves(&self, text: &str, placed: &[(Row, PyObject)], below_bar: &[bool]) -> Vec<(usize, u32)> {
        let mut moved = Vec::new();
        let is_county = |row: &Row| self.names_county(row);
        let held = |index: usize| below_bar.get(index).copied().unwrap_or(false);
        if self.county_start.is_empty() || !placed.iter().any(|(row, _)| is_county(row)) {
            return moved; // no county named (most documents)
        }
        let (names, first) = self.name_numbers(text, placed);
        // A held-back name is nowhere yet: any of its towns inside the county moves.
        let chosen: Vec<i32> =
            first.iter().map(|&index| if held(index) { -1 } else { self.reported(&placed[index].0).2 }).collect();
        let latin_key = |name: usize| {
            let key = placed[first[name]].0.key;
            (key != NO_KEY && self.key_bits[key as usize] & LATIN_KEY != 0).then_some(key)
        };
        let (mut counties, mut towns, mut regions) = (Vec::new(), Vec::new(), Vec::new());
        let mut county_countries: Vec<i32> = Vec::new();
        for (name, &index) in first.iter().enumerate() {
            let row = &placed[index].0;
            let (kind, country, _) = self.reported(row);
            if held(index) {
                if is_county(row) {
                    counties.push(name); // read as a county if it holds a town
                    county_countries.push(country);
                } else if kind == MentionKind::City {
                    towns.push(name);
                }
            } else if is_county(row) {
                counties.push(name);
                county_countries.push(country);
            } else if matches!(kind, MentionKind::City | MentionKind::Country) {
                towns.push(name);
            } else if kind == MentionKind::Admin1 {
                regions.push((name, country));
            }
        }
        // A region of another country is a town name too (`county_moves`: "Ravenna", read in
        // Italy, beside Ohio's Portage County); the county's own country's regions stay.
        let mut foreign = vec![false; first.len()];
        for &(name, country) in &regions {
            if !county_countries.contains(&country) {
                foreign[name] = true;
                towns.push(name);
            }
        }
        if towns.is_empty() {
            return moved;
        }
        let mut named: Vec<i32> = placed
            .iter()
            .enumerate()
            .filter(|&(index, _)| !held(index))
            .map(|(_, (row, _))| self.reported(row))
            .filter(|r| r.0 == MentionKind::Admin1)
            .map(|r| r.2)
            .collect();
        named.sort_unstable();
        named.dedup();
        let mut decided: Vec<Option<u32>> = vec![None; first.len()]; // per name
        for &county_name in &counties {
            let Some(county_key) = latin_key(county_name) else { continue };
            // The name's counties, one per state, in gazetteer order.
            let mut namesakes: Vec<(i32, u32)> = Vec::new();
            for reading in self.entries(county_key).map(|r| &self.readings[r]) {
                if reading.kind == COUNTY && reading.admin1 >= 0 && !namesakes.iter().any(|n| n.0 == reading.admin1) {
                    namesakes.push((reading.admin1, reading.place));
                }
            }
            // Per state: the town names its county holds, each with its first town there.
            let mut holds: Vec<(i32, Vec<(usize, u32)>)> = Vec::new();
            for &town_name in &towns {
                let Some(town_key) = latin_key(town_name) else { continue };
                for reading in self.entries(town_key).map(|r| &self.readings[r]) {
                    if reading.kind != CITY {
                        continue;
                    }
                    let town = reading.place as usize;
                    let inside = &self.county_place[self.county_start[town] as usize..self.county_start[town + 1] as usize];
                    for &(state, _) in namesakes.iter().filter(|n| inside.contains(&n.1)) {
                        let at = match holds.iter().position(|h| h.0 == state) {
                            Some(at) => at,
                            None => {
                                holds.push((state, Vec::new()));
                                holds.len() - 1
                            }
                        };
                        if !holds[at].1.iter().any(|h| h.0 == town_name) {
                            holds[at].1.push((town_name, reading.place));
                        }
                    }
                }
            }
            if holds.is_empty() {
                continue;
            }
            let state = self.best_state(&namesakes, &holds, &named, &chosen, county_name);
            if state != chosen[county_name] {
                decided[county_name] = namesakes.iter().find(|n| n.0 == state).map(|n| n.1);
            }
            if let Some((_, held)) = holds.iter().find(|h| h.0 == state) {
                for &(town_name, town) in held {
                    if chosen[town_name] != state && decided[town_name].is_none() {
                        decided[town_name] = Some(town);
                    }
                }
            }
        }
        for (index, &name) in names.iter().enumerate() {
            if let Some(place) = decided[name] {
                let kind = self.reported(&placed[index].0).0;
                if matches!(kind, MentionKind::City | MentionKind::Country) || (kind == MentionKind::Admin1 && foreign[name]) {
                    moved.push((index, place));
                }
            }
        }
        moved
    }

    /// `_best_state` of geodata/county_towns.py: the most towns held (plus one for the state
    /// named), then the chosen reading, then the state holding more of the other names.
    fn best_state(
        &self,
        namesakes: &[(i32, u32)],
        holds: &[(i32, Vec<(usize, u32)>)],
        named: &[i32],
        chosen: &[i32],
        county_name: usize,
    ) -> i32 {
        let mut scores: Vec<(i32, usize)> =
            holds.iter().map(|(state, held)| (*state, held.len() + usize::from(named.binary_search(state).is_ok()))).collect();
        for &state in named {
            if namesakes.iter().any(|n| n.0 == state) && !scores.iter().any(|s| s.0 == state) {
                scores.push((state, 1));
            }
        }
        let top = scores.iter().map(|s| s.1).max().unwrap_or(0);
        let tied: Vec<i32> = scores.iter().filter(|s| s.1 == top).map(|s| s.0).collect();
        if tied.len() == 1 {
            return tied[0];
        }
        let names_in = |state: i32| {
            chosen.iter().enumerate().filter(|&(name, &region)| name != county_name && region == state).count()
        };
        let most = tied.iter().map(|&state| names_in(state)).max().unwrap_or(0);
        let current = chosen[county_name];
        if tied.contains(&current) && names_in(current) >= most {
            return current; // the chosen reading keeps a full tie
        }
        namesakes
            .iter()
            .map(|n| n.0)
            .find(|&state| tied.contains(&state) && names_in(state) == most)
            .unwrap_or(tied[0])
    }

    /// `_cohere` of geoparse.py (the reference; keep the two in step): (row index, place) for
    /// every occurrence of a name that moves to its namesake in the document's focus region.
    /// Names are the surfaces in lower case; each is decided on its first occurrence.
    fn cohere(&self, text: &str, placed: &[(Row, PyObject)]) -> Vec<(usize, u32)> {
        let mut moved = Vec::new();
        if placed.len() < FOCUS_MIN_NAMES + 1 {
            return moved;
        }
        let reported: Vec<(MentionKind, i32, i32)> = placed.iter().map(|(row, _)| self.reported(row)).collect();
        if reported.iter().filter(|r| r.2 >= 0).count() < FOCUS_MIN_NAMES {
            return moved; // no region can hold two names
        }
        let (names, first) = self.name_numbers(text, placed);
        // The distinct (area, name) pairs of regions and of countries, and the distinct names
        // per area: sorted arrays, searched by halves (a document's few dozen mentions make
        // hash tables cost more to build than they save).
        let pairs = |area: fn(&(MentionKind, i32, i32)) -> i32| {
            let mut found: Vec<(i32, usize)> =
                names.iter().zip(reported.iter()).map(|(&name, r)| (area(r), name)).filter(|p| p.0 >= 0).collect();
            found.sort_unstable();
            found.dedup();
            found
        };
        let in_region = pairs(|r| r.2);
        let in_country = pairs(|r| r.1);
        let counts = |found: &[(i32, usize)]| {
            let mut counted: Vec<(i32, usize)> = Vec::new();
            for &(area, _) in found {
                match counted.last_mut() {
                    Some(last) if last.0 == area => last.1 += 1,
                    _ => counted.push((area, 1)),
                }
            }
            counted
        };
        let region_count = counts(&in_region);
        let country_count = counts(&in_country);
        let count_of = |counted: &[(i32, usize)], area: i32| {
            counted.binary_search_by_key(&area, |c| c.0).map_or(0, |i| counted[i].1)
        };
        if region_count.iter().all(|&(_, count)| count < FOCUS_MIN_NAMES) {
            return moved; // no region has enough names to be a focus (most documents)
        }
        // The top three regions by name count, ties by region id, as Python sorts them.
        let mut ranked: Vec<(usize, i32)> = region_count.iter().map(|&(r, n)| (n, r)).collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0).then_with(|| self.region_ids[b.1 as usize].cmp(&self.region_ids[a.1 as usize]))
        });
        ranked.truncate(3);
        let mut moves: Vec<Option<u32>> = vec![None; first.len()]; // per name
        for (name, &index) in first.iter().enumerate() {
            let (kind, country, region) = reported[index];
            if kind == MentionKind::Border || kind == MentionKind::Admin1 {
                continue; // a region named in full is its own evidence
            }
            if region >= 0 && count_of(&region_count, region) > 1 {
                continue; // another name lies in its region: the chosen reading has support
            }
            // _namesake_in_focus
            let (mut focus, mut support) = (-1, 0);
            for &(count, area) in &ranked {
                let others = count - usize::from(in_region.binary_search(&(area, name)).is_ok());
                if others > support {
                    focus = area;
                    support = others;
                }
            }
            if focus < 0 || support < FOCUS_MIN_NAMES || focus == region {
                continue;
            }
            let home = self.region_country.get(focus as usize).copied().unwrap_or(-1);
            if country != home && country >= 0 {
                let named = count_of(&country_count, country);
                if named > usize::from(in_country.binary_search(&(country, name)).is_ok()) {
                    continue; // a foreign reading whose country is named elsewhere
                }
            }
            if kind == MentionKind::Country {
                let own = usize::from(country >= 0 && count_of(&country_count, country) > 0)
                    + usize::from(home >= 0 && home != country && count_of(&country_count, home) > 0);
                if country_count.len() > own {
                    continue; // a country among other countries is the country
                }
            }
            let key = placed[index].0.key;
            if self.key_bits[key as usize] & LATIN_KEY == 0 {
                continue; // Gazetteer.key_of finds Latin-script names only
            }
            let namesake = self.entries(key).map(|r| &self.readings[r]).find(|reading| {
                reading.admin1 == focus && (reading.kind == CITY || reading.kind == COUNTY)
            });
            moves[name] = namesake.map(|reading| reading.place);
        }
        for (index, &name) in names.iter().enumerate() {
            if let Some(place) = moves[name] {
                moved.push((index, place));
            }
        }
        moved
    }
}

impl Core {
    fn entries(&self, key: u32) -> std::ops::Range<usize> {
        self.key_start[key as usize] as usize..self.key_start[key as usize + 1] as usize
    }

    fn countries_only(&self, key: u32) -> bool {
        self.entries(key).all(|r| self.readings[r].kind == COUNTRY)
    }

    fn has_demonym(&self, key: u32) -> bool {
        self.entries(key).any(|r| self.readings[r].flags & DEMONYM != 0)
    }

    /// Runs of capitalised words and connectors: the segment regex of `Gazetteer.matches`.
    fn segments(&self, chars: &[char], found: &mut Vec<(usize, usize)>) {
        let n = chars.len();
        let word_end = |mut i: usize| {
            while i < n && is_alnum(chars[i]) {
                i += 1;
            }
            i
        };
        found.clear();
        let mut run = String::with_capacity(16); // one buffer for the lower-case runs looked up below
        let mut p = next_upper_start(chars, 0);
        while p < n {
            let start = p;
            let mut pos = word_end(p + 1);
            loop {
                let mut q = pos;
                while q < n && q - pos < 2 && is_separator(chars[q]) {
                    q += 1;
                }
                if q == pos || q >= n {
                    break;
                }
                if is_upper_start(chars[q]) {
                    pos = word_end(q + 1);
                    continue;
                }
                let run_end = word_end(q);
                if run_end > q && run_end - q <= self.connector_chars {
                    run.clear();
                    run.extend(&chars[q..run_end]);
                    if self.connector_words.contains(&run) {
                        pos = run_end;
                        continue;
                    }
                }
                let small = self.connectors.iter().find(|w| {
                    let end = q + w.len();
                    end <= n && chars[q..end] == w[..] && (end == n || !is_alnum(chars[end]))
                });
                match small {
                    Some(w) => pos = q + w.len(),
                    None => break,
                }
            }
            found.push((start, pos));
            p = next_upper_start(chars, pos);
        }
    }

    /// Every (start, end, key) of a Latin-script name inside a segment: each run of whole words
    /// of the folded segment (lower case, separators as spaces) looked up as a name.
    /// Into `buffers.matches`; the other buffers are its working space.
    fn latin_matches(&self, chars: &[char], buffers: &mut Buffers) {
        self.segments(chars, &mut buffers.segments);
        let Buffers { segments, matches: found, folded, byte_at, starts, ends, pieces, words, .. } = buffers;
        found.clear();
        words.clear();
        folded.clear();
        byte_at.clear();
        starts.clear();
        ends.clear();
        pieces.clear();
        // First every segment is folded, and the slot of each of its words is asked for: the
        // lookups below then find most of them in the cache.
        for &(seg_start, seg_end) in segments.iter() {
            let piece = &chars[seg_start..seg_end];
            // An ASCII segment (most) folds one byte per character: its byte offsets are its
            // character offsets, and it adds nothing to `byte_at`.
            let ascii = piece.iter().all(char::is_ascii);
            let folded_from = folded.len();
            let at = Piece {
                seg_start,
                folded_from,
                byte_from: byte_at.len(),
                starts: (starts.len() as u32, 0),
                ends: (ends.len() as u32, 0),
                ascii,
            };
            let mut after_space = true;
            for (i, &c) in piece.iter().enumerate() {
                if !ascii {
                    byte_at.push(folded.len());
                }
                let space = is_separator(c);
                if space {
                    folded.push(' ');
                    if !after_space {
                        ends.push(i);
                    }
                } else {
                    folded.push(lower_char(c));
                    if after_space {
                        starts.push(i);
                    }
                }
                after_space = space;
            }
            if !after_space {
                ends.push(piece.len());
            }
            if !ascii {
                byte_at.push(folded.len());
            }
            let at = Piece { starts: (at.starts.0, starts.len() as u32), ends: (at.ends.0, ends.len() as u32), ..at };
            for (&first, &last) in starts[range(at.starts)].iter().zip(&ends[range(at.ends)]) {
                let prepared = NameTable::prepare(&folded[at.byte(byte_at, first)..at.byte(byte_at, last)]);
                self.names.prefetch(prepared);
                words.push(prepared);
            }
            pieces.push(at);
        }
        for at in pieces.iter() {
            let (starts, ends, words) = (&starts[range(at.starts)], &ends[range(at.ends)], &words[range(at.starts)]);
            let seg_start = at.seg_start;
            for (w, &first) in starts.iter().enumerate() {
                for (run, &last) in ends.iter().skip(w).take(self.max_words).enumerate() {
                    let name = &folded[at.byte(byte_at, first)..at.byte(byte_at, last)];
                    // the run's first word was prepared above, its longer runs are made here
                    let entry = if run == 0 { self.names.get_prepared(name, words[w]) } else { self.names.get(name) };
                    match entry {
                        Some((key, longer)) => {
                            if key != NO_KEY {
                                found.push((seg_start + first, seg_start + last, key));
                            }
                            if !longer {
                                break;
                            }
                        }
                        None => break,
                    }
                }
            }
        }
    }

    fn candidate_spans(
        &self,
        chars: &[char],
        matches: &[(usize, usize, u32)],
        span_readings: &mut Vec<u32>,
        found: &mut Vec<(usize, usize, u32, Option<Range32>)>,
    ) -> (Vec<Span>, FastSet<u32>) {
        found.clear();
        let mut seen_lower = FastSet::default();
        for &(start, end, key) in matches {
            let mut end = end;
            let bits = self.key_bits[key as usize];
            let lower_first = chars[start].is_lowercase();
            if lower_first && bits & 4 == 0 {
                seen_lower.insert(key);
                continue;
            }
            let mut after = chars.get(end).copied();
            if bits & 8 != 0 || matches!(after, Some('$' | '€' | '£' | '¥' | '₹')) {
                found.push((start, end, key, None)); // a blocker, or money ("US$")
                continue;
            }
            let from = span_readings.len();
            if bits & 32 != 0 && !lower_first {
                span_readings.extend(self.entries(key).map(|r| r as u32));
            } else {
                let upper = is_cased_str(&chars[start..end], true);
                let dotted = after == Some('.');
                let after_town = start >= 2 && chars[start - 2..start] == [',', ' '];
                span_readings.extend(
                    self.entries(key)
                        .filter(|&r| {
                            let reading = &self.readings[r];
                            let flags = reading.flags;
                            (upper || flags & ACRONYM == 0)
                                && (!lower_first || flags & LOWER_OK != 0)
                                && (dotted || flags & ABBREV == 0)
                                && (after_town || !(flags & POSTAL != 0 && reading.kind == ADMIN1))
                        })
                        .map(|r| r as u32),
                );
                if span_readings.len() == from {
                    continue;
                }
                if dotted
                    && span_readings[from..].iter().any(|&r| self.readings[r as usize].flags & ABBREV != 0)
                {
                    end += 1; // "La." keeps its full stop
                    after = chars.get(end).copied();
                }
            }
            if after == Some('.') && chars[start..end].contains(&'.') {
                end += 1; // "U.S." keeps its last full stop
            }
            found.push((start, end, key, Some((from as u32, span_readings.len() as u32))));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut selected = Vec::with_capacity(found.len());
        let mut last_end = 0;
        let mut any = false;
        for &(start, end, key, readings) in found.iter() {
            if !any || start >= last_end {
                if let Some(readings) = readings {
                    selected.push(Span {
                        start,
                        end,
                        key,
                        readings,
                        pair: Vec::new(),
                        penalty: 0.0,
                        person: false,
                        organisation: false,
                        street: false,
                        surname: false,
                        actor: false,
                        opens_name: false,
                        compound: false,
                    });
                }
                last_end = end;
                any = true;
            }
        }
        (selected, seen_lower)
    }

    /// One sense per discourse: the name also occurs in lower case as a word of its own
    /// (searched in the UTF-8 text: a byte match of valid UTF-8 is a character match).
    fn used_as_word(&self, text: &str, chars: &[char], span: &Span, lowered: &mut String) -> bool {
        let surface = &chars[span.start..span.end];
        if surface.contains(&' ')
            || surface.len() < 2
            || !is_cased_str(&surface[1..], false)
            || self.countries_only(span.key)
        {
            return false;
        }
        lower_into(surface, lowered);
        if lowered.is_empty() {
            return false;
        }
        if !text.contains(lowered.as_str()) {
            return false; // the common case, and `contains` has a fast vectorised path
        }
        let mut from = 0;
        while let Some(found) = text[from..].find(lowered.as_str()) {
            let index = from + found;
            let before = text[..index].chars().next_back();
            let after = text[index + lowered.len()..].chars().next();
            if !before.map_or(false, is_alnum) && !after.map_or(false, is_alnum) {
                return true;
            }
            from = index + text[index..].chars().next().map_or(1, char::len_utf8);
        }
        false
    }

    fn mark_context(&self, chars: &[char], spans: &mut [Span]) {
        // Spans are sorted and do not overlap: their starts and their ends both increase.
        let span_ends: Vec<usize> = spans.iter().map(|s| s.end).collect();
        let span_starts: Vec<usize> = spans.iter().map(|s| s.start).collect();
        let ends_at = |position: usize| span_ends.binary_search(&position).is_ok();
        let mut lowered = String::new();
        let mut head = String::new();
        for span in spans.iter_mut() {
            let bits = self.key_bits[span.key as usize];
            if bits & 1 == 0
                && self.countries_only(span.key)
                && !self.has_demonym(span.key)
                && !matches!(chars.get(span.end), Some('-' | '–' | '—' | '/'))
            {
                continue; // a country's own name: only a compound ("Norway-Fjordline") can change it
            }
            let start = span.start;
            // Whether a capitalised word (no comma after it) comes right before: with one right
            // after, the only ways `in_list_of_people` can find a name of two words or more.
            let mut capitalised_before = false;
            if start > 1 && chars[start - 1] == ' ' && chars[start - 2] != ' ' {
                let previous_end = start - 1;
                let low = start.saturating_sub(30);
                let mut word_start = chars[low..previous_end]
                    .iter()
                    .rposition(|&c| c == ' ')
                    .map_or(0, |i| low + i + 1);
                if word_start == 0 && start > 30 {
                    word_start = previous_end; // a "word" longer than 30 characters: not a name
                }
                let raw = &chars[word_start..previous_end];
                capitalised_before = raw.first().map_or(false, |c| c.is_uppercase()) && raw.last() != Some(&',');
                let dotted = raw.last() == Some(&'.');
                if dotted && !ends_at(previous_end) && (is_initials(raw) || self.middle_initial(chars, word_start, raw, &ends_at)) {
                    span.person = true; // "Ashley L. Evens", "Ulysses S. Grant"
                    span.surname = true;
                }
                let previous = strip_trailing_dots(raw);
                if !previous.is_empty() && previous[0].is_uppercase() && is_alpha_str(previous) {
                    lower_into(previous, &mut lowered);
                    // Also after a given name that is itself a town ("Paul Selma").
                    if self.titles.contains(lowered.as_str())
                        || self.given_names.contains(lowered.as_str())
                        || (!ends_at(previous_end) && self.after_title(chars, word_start, &mut head))
                    {
                        span.person = true;
                        span.surname = true;
                    } else if self.features.contains(lowered.as_str()) {
                        span.person = true; // "Lake Champlain": a lake's name
                    } else if !dotted
                        && !self.openers.contains(lowered.as_str())
                        && !ends_at(previous_end)
                        && !is_sentence_start(chars, word_start)
                    {
                        span.penalty += 0.25;
                    }
                } else {
                    let mut word = previous;
                    while let [rest @ .., ','] = word {
                        word = rest;
                    }
                    lower_into(word, &mut lowered);
                    if self.kin.contains(lowered.as_str()) {
                        span.person = true; // "his wife Edna", "and husband, Schuyler"
                    } else if previous == ['o', 'f'] {
                        if let Some((begin, end)) = word_before(chars, word_start) {
                            lower_into(&chars[begin..end], &mut lowered);
                            if self.features_of.contains(lowered.as_str()) {
                                span.person = true; // "the Gulf of Mexico": a sea's name
                            }
                        }
                    }
                }
            }
            let end = span.end;
            let mut following: &[char] = &[];
            match chars.get(end) {
                Some('-' | '–' | '—' | '/') => {
                    span.actor = true;
                    span.opens_name = chars.get(end + 1).map_or(false, |c| c.is_uppercase());
                    span.compound = span.opens_name && span_starts.binary_search(&(end + 1)).is_err();
                }
                Some(' ') => {
                    let begin = end + 1;
                    let mut stop = begin;
                    while stop < chars.len() && is_alnum(chars[stop]) {
                        stop += 1;
                    }
                    following = &chars[begin..stop];
                }
                _ => {}
            }
            if !following.is_empty() && following[0].is_uppercase() {
                span.actor = true;
                span.opens_name = true;
                lower_into(following, &mut head);
                if initial_follows(chars, end) {
                    span.person = true; // "Edna K. Schuyler": a given name before an initial
                } else if self.streets.contains(head.as_str()) {
                    span.organisation = true;
                    span.street = true;
                } else if self.heads.contains(head.as_str()) {
                    span.organisation = true;
                } else if self.is_title(&chars[start..end], &mut lowered) {
                    span.person = true;
                } else if bits & 16 != 0 {
                    span.person = true;
                } else if bits & 64 != 0
                    && !self.ordinary.contains(head.as_str())
                    && span_starts.binary_search(&(end + 1)).is_err()
                {
                    span.person = true; // "Vladimir Putin"; not "Vladimir Oblast"
                }
            } else {
                head.clear();
                head.extend(following.iter());
                if self.speech_verbs.contains(head.as_str()) && !self.after_locative(chars, start) {
                    span.penalty += 0.3; // "Jones said"; not "police in Greenfield said"
                } else if self.state_nouns.contains(head.as_str()) {
                    span.actor = true;
                }
            }
            let capitalised_after = chars.get(end) == Some(&' ') && chars.get(end + 1).map_or(false, |c| c.is_uppercase());
            if !span.person
                && (capitalised_before || capitalised_after)
                && self.in_list_of_people(chars, start, end, &span_starts, &mut lowered)
            {
                span.person = true; // "Mrs. Edna Vance, Kendall Schuyler and Orrin Keene"
            }
            if bits & 1 != 0 && is_sentence_start(chars, start) {
                span.penalty += 0.2;
            }
            if is_dateline(chars, start, end) {
                span.penalty -= DATELINE_BONUS;
            }
        }
    }

    /// `middle_initial` of person_shape.py: a compass letter as a middle initial, after a
    /// capitalised word that no place name ends ("Ulysses S. Grant").
    fn middle_initial(&self, chars: &[char], initial_start: usize, initial: &[char], ends_at: &dyn Fn(usize) -> bool) -> bool {
        if !(initial.len() == 2 && initial[1] == '.' && matches!(initial[0], 'E' | 'N' | 'S' | 'W')) {
            return false;
        }
        match word_before(chars, initial_start) {
            Some((begin, end)) => !ends_at(end) && is_capitalised_name_word(&chars[begin..end]),
            None => false,
        }
    }

    /// `after_title` of person_shape.py: the word before the one at `word_start` is a title.
    fn after_title(&self, chars: &[char], word_start: usize, lowered: &mut String) -> bool {
        match word_before(chars, word_start) {
            Some((begin, end)) => self.is_title(&chars[begin..end], lowered),
            None => false,
        }
    }

    /// `_opens_person` of person_shape.py: a given name or a title (full stops aside).
    fn opens_person(&self, word: &[char], lowered: &mut String) -> bool {
        lower_into(strip_trailing_dots(word), lowered);
        self.given_names.contains(lowered.as_str()) || self.titles.contains(lowered.as_str())
    }

    /// `in_list_of_people` of person_shape.py: the name is a word of one person's name in a
    /// list of people.
    fn in_list_of_people(&self, chars: &[char], start: usize, end: usize, place_starts: &[usize], lowered: &mut String) -> bool {
        let is_place = |at: usize| place_starts.binary_search(&at).is_ok();
        let (mut words, mut left, mut right) = (1, start, end);
        let mut other_words = false;
        while words < NAME_WORDS {
            let Some((begin, stop)) = word_before(chars, left) else { break };
            let word = &chars[begin..stop];
            if !word[0].is_uppercase() || word.last() == Some(&',') {
                break;
            }
            left = begin;
            words += 1;
            other_words = other_words || !is_place(begin);
        }
        while words < NAME_WORDS && chars.get(right) == Some(&' ') {
            let stop = capitalised_word_end(chars, right + 1);
            if stop == right + 1 {
                break;
            }
            other_words = other_words || !is_place(right + 1);
            right = stop;
            words += 1;
        }
        if words < 2 || !other_words {
            return false;
        }
        self.person_item_before(chars, left, &is_place, lowered) || self.person_item_after(chars, right, &is_place, lowered)
    }

    /// `_person_item_after` of person_shape.py.
    fn person_item_after(&self, chars: &[char], end: usize, is_place: &dyn Fn(usize) -> bool, lowered: &mut String) -> bool {
        for separator in LIST_SEPARATORS {
            if holds_at(chars, end, separator) {
                let first = end + separator.len();
                let stop = capitalised_word_end(chars, first);
                return stop > first
                    && !is_place(first)
                    && self.opens_person(&chars[first..stop], lowered)
                    && chars.get(stop) == Some(&' ')
                    && chars.get(stop + 1).map_or(false, |c| c.is_uppercase());
            }
        }
        false
    }

    /// `_person_item_before` of person_shape.py.
    fn person_item_before(&self, chars: &[char], start: usize, is_place: &dyn Fn(usize) -> bool, lowered: &mut String) -> bool {
        for separator in LIST_SEPARATORS {
            if start >= separator.len() && holds_at(chars, start - separator.len(), separator) {
                let mut end = start - separator.len();
                let (mut first, mut words) = (0, 0);
                while words < NAME_WORDS {
                    let low = end.saturating_sub(WORD_WINDOW);
                    let begin = chars[low..end].iter().rposition(|&c| c == ' ').map_or(0, |i| low + i + 1);
                    let word = &chars[begin..end];
                    if word.is_empty() || !word[0].is_uppercase() || word.last() == Some(&',') {
                        break;
                    }
                    first = begin;
                    words += 1;
                    if begin == 0 || chars[begin - 1] != ' ' {
                        break;
                    }
                    end = begin - 1;
                }
                if words < 2 || is_place(first) {
                    return false;
                }
                let stop = chars[first..].iter().position(|&c| c == ' ').map_or(chars.len(), |i| first + i);
                return self.opens_person(&chars[first..stop], lowered);
            }
        }
        false
    }

    /// Whether a word (full stops after it aside) is a person's title ("Miss", "Gov.").
    fn is_title(&self, word: &[char], lowered: &mut String) -> bool {
        lower_into(strip_trailing_dots(word), lowered);
        self.titles.contains(lowered.as_str())
    }

    fn prior(&self, reading: &Reading, group: &Group, span: &Span) -> f64 {
        let mut score = reading.base;
        let kind = reading.kind;
        if kind == COUNTRY {
            if group.common {
                score -= 0.25;
                if group.person_like {
                    score -= 0.4;
                }
            }
            if span.person || span.compound {
                score -= 0.4;
            }
            return score;
        }
        if kind == BORDER {
            return score;
        }
        if span.person || (kind == CITY && span.organisation) || (kind == ADMIN1 && span.street) {
            return 0.0;
        }
        if kind == CITY {
            score -= span.penalty;
            if group.person_like {
                score -= 0.6;
            }
        } else if group.surname && reading.flags & TYPED == 0 {
            score -= 0.4;
        }
        if group.common {
            score -= 0.3;
        }
        score
    }

    fn same_area(a: &Reading, b: &Reading) -> bool {
        a.country == b.country && (a.admin1 < 0 || b.admin1 < 0 || a.admin1 == b.admin1)
    }

    fn neighbours_of(&self, region: i32) -> &[i32] {
        let Ok(region) = usize::try_from(region) else { return &[] };
        match (self.neighbour_start.get(region), self.neighbour_start.get(region + 1)) {
            (Some(&from), Some(&to)) => &self.neighbour_ids[from as usize..to as usize],
            _ => &[],
        }
    }

    /// How much each group says for each country and admin-1 region (flat, a range of `own`
    /// per group for countries and one for regions), and the totals.
    fn evidence(
        &self,
        groups: &[Group],
        doc: &Doc,
        resolved: bool,
        own: &mut Vec<(i32, f64)>,
        own_ranges: &mut Vec<(Range32, Range32)>,
    ) -> (Totals, Totals) {
        own.clear();
        own_ranges.clear();
        let mut country_total = Totals::default();
        let mut admin1_total = Totals::default();
        let mut codes: Vec<i32> = Vec::new();
        let mut areas: Vec<i32> = Vec::new();
        let mut regions: Vec<(i32, f64)> = Vec::new();
        for group in groups {
            let countries_from = own.len() as u32;
            regions.clear();
            if resolved {
                if let Some((_, r)) = group.choice {
                    let spans = (group.members.1 - group.members.0).min(2) as f64;
                    let weight = group.confidence * spans / 1.5;
                    let reading = &self.readings[r as usize];
                    if reading.country >= 0 {
                        own.push((reading.country, weight));
                    }
                    if reading.admin1 >= 0 {
                        regions.push((reading.admin1, weight));
                    }
                }
            } else {
                let candidates = &doc.candidates[range(group.candidates)];
                if candidates.len() == 1 {
                    let Candidate { prior: best, reading, .. } = candidates[0];
                    if best > 0.3 {
                        let reading = &self.readings[reading as usize];
                        if reading.country >= 0 {
                            own.push((reading.country, best));
                        }
                        if reading.admin1 >= 0 {
                            regions.push((reading.admin1, best));
                        }
                    }
                } else if !candidates.is_empty() {
                    let best = candidates.iter().map(|c| c.prior).fold(f64::NEG_INFINITY, f64::max);
                    let floor = if best - 0.3 > 0.3 { best - 0.3 } else { 0.3 };
                    codes.clear();
                    areas.clear();
                    for candidate in candidates {
                        if candidate.prior > floor {
                            let reading = &self.readings[candidate.reading as usize];
                            if reading.country >= 0 && !codes.contains(&reading.country) {
                                codes.push(reading.country);
                            }
                            if reading.admin1 >= 0 && !areas.contains(&reading.admin1) {
                                areas.push(reading.admin1);
                            }
                        }
                    }
                    if codes.len() <= MAX_EVIDENCE_AREAS {
                        for &code in &codes {
                            own.push((code, best / codes.len() as f64));
                        }
                    }
                    if areas.len() <= MAX_EVIDENCE_AREAS {
                        for &area in &areas {
                            regions.push((area, best / areas.len() as f64));
                        }
                    }
                }
            }
            let countries_to = own.len() as u32;
            own.extend_from_slice(&regions);
            own_ranges.push(((countries_from, countries_to), (countries_to, own.len() as u32)));
            for &(code, weight) in &own[range((countries_from, countries_to))] {
                country_total.add(code, weight);
            }
            for &(area, weight) in &regions {
                admin1_total.add(area, weight);
            }
        }
        (country_total, admin1_total)
    }

    fn resolve(&self, groups: &mut [Group], doc: &mut Doc, resolved: bool, scratch: &mut Scratch) {
        if !resolved {
            // The table of the reference's _scoring_table, made once for both rounds.
            doc.table.clear();
            for group in groups.iter() {
                for candidate in &doc.candidates[range(group.candidates)] {
                    let reading = &self.readings[candidate.reading as usize];
                    let score = match weight_of(&group.bonus, candidate.place) {
                        Some(bonus) => candidate.prior + bonus,
                        None => candidate.prior,
                    };
                    let area = if reading.kind != COUNTRY { reading.admin1 } else { -1 };
                    doc.table.push((score, reading.country, reading.country_weight, area));
                }
            }
        }
        let (country_total, admin1_total) =
            self.evidence(groups, doc, resolved, &mut scratch.own, &mut scratch.own_ranges);
        // sized for a few neighbours a region: growing it cost more than the additions
        let mut near_total: FastMap<i32, f64> =
            FastMap::with_capacity_and_hasher(admin1_total.items.len() * 8, Default::default());
        for &(region, weight) in &admin1_total.items {
            for &neighbour in self.neighbours_of(region) {
                *near_total.entry(neighbour).or_insert(0.0) += weight;
            }
        }
        let own = &scratch.own;
        let scored = &mut scratch.scored;
        for (group, &(countries, regions)) in groups.iter_mut().zip(scratch.own_ranges.iter()) {
            let (own_countries, own_regions) = (&own[range(countries)], &own[range(regions)]);
            let candidates = &doc.candidates[range(group.candidates)];
            if candidates.is_empty() {
                group.choice = None;
                group.confidence = 0.0;
                continue;
            }
            scored.clear();
            for (candidate, &(base, code, weight, area)) in
                candidates.iter().zip(&doc.table[range(group.candidates)])
            {
                let mut score = base;
                if code >= 0 {
                    if let Some(total) = country_total.get(code) {
                        let support = total - weight_of(own_countries, code).unwrap_or(0.0);
                        if support > 0.0 {
                            score += weight * capped(support);
                        }
                    }
                }
                if area >= 0 && !admin1_total.items.is_empty() {
                    let mut support = admin1_total.get(area).unwrap_or(0.0);
                    let mut near = near_total.get(&area).copied().unwrap_or(0.0);
                    if !own_regions.is_empty() {
                        support -= weight_of(own_regions, area).unwrap_or(0.0);
                        if near != 0.0 {
                            let neighbours = self.neighbours_of(area);
                            let mut own_near = 0.0;
                            for &(region, w) in own_regions {
                                if neighbours.contains(&region) {
                                    own_near += w;
                                }
                            }
                            near -= own_near;
                        }
                    }
                    if support > 0.0 {
                        score += 0.4 * capped(support);
                    }
                    if near > 0.0 {
                        score += 0.1 * capped(near);
                    }
                }
                scored.push((score, candidate.place, candidate.reading));
            }
            let top = |s: f64| if s < 0.99 { s } else { 0.99 };
            if scored.len() == 1 {
                let (best_score, best, reading) = scored[0];
                group.choice = Some((best, reading));
                group.confidence = top(best_score);
                group.country_confidence = group.confidence;
                continue;
            }
            scored.sort_by(|a, b| b.0.partial_cmp(&a.0).expect("no NaN").then(b.1.cmp(&a.1)));
            let (best_score, best, best_reading) = scored[0];
            let chosen = &self.readings[best_reading as usize];
            let mut confidence = top(best_score);
            for &(score, _, other) in &scored[1..] {
                if Self::same_area(chosen, &self.readings[other as usize]) {
                    continue;
                }
                if score > best_score - 0.15 {
                    confidence -= 0.15 * (1.0 - (best_score - score) / 0.15);
                }
                break;
            }
            let one_country = scored.iter().all(|&(_, _, r)| self.readings[r as usize].country == chosen.country);
            group.choice = Some((best, best_reading));
            group.confidence = confidence;
            group.country_confidence = if one_country { top(best_score) } else { confidence };
        }
    }

    fn ambiguous(&self, group: &Group, doc: &Doc) -> bool {
        let (choice, reading) = match group.choice {
            Some(choice) => choice,
            None => return false,
        };
        let chosen = &self.readings[reading as usize];
        let candidates = &doc.candidates[range(group.candidates)];
        let floor = prior_of(candidates, choice).unwrap_or(0.0) - 0.2;
        candidates.iter().any(|c| c.prior >= floor && !Self::same_area(chosen, &self.readings[c.reading as usize]))
    }

    fn chosen_country(&self, group: &Group) -> Option<i32> {
        let (_, reading) = group.choice?;
        let code = self.readings[reading as usize].country;
        (code >= 0).then_some(code)
    }

    fn country_counts<'a>(&self, groups: impl Iterator<Item = &'a Group>) -> FastMap<i32, usize> {
        let mut counts = FastMap::default();
        for group in groups {
            if let Some(code) = self.chosen_country(group) {
                *counts.entry(code).or_insert(0) += 1;
            }
        }
        counts
    }

    /// `_after_locative`: one of `locatives` and a space right before `start` (ASCII letters).
    fn after_locative(&self, chars: &[char], start: usize) -> bool {
        if start < 3 || chars[start - 1] != ' ' {
            return false;
        }
        let mut begin = start - 1;
        while begin > 0 && start - 1 - begin < 7 && chars[begin - 1].is_ascii_alphabetic() {
            begin -= 1;
        }
        if begin > 0 && chars[begin - 1].is_ascii_alphanumeric() {
            return false;
        }
        let word: String = chars[begin..start - 1].iter().map(|c| c.to_ascii_lowercase()).collect();
        self.locatives.contains(word.as_str())
    }

    /// Indices of the groups to report, in the order `_supported` reports them.
    /// `_city_region` of geoparse.py: a town of the name with at least `BIG_TOWN_POPULATION`
    /// people lies in the region reading's region (a city that is a region of its own).
    fn city_region(&self, group: &Group, doc: &Doc, region: &Reading) -> bool {
        doc.readings[range(group.readings)].iter().any(|candidate| {
            let other = &self.readings[candidate.reading as usize];
            other.kind == CITY && other.admin1 == region.admin1 && other.big
        })
    }

    fn supported(&self, groups: &mut [Group], doc: &Doc, min_confidence: f64) -> Vec<usize> {
        let kept: Vec<usize> = (0..groups.len())
            .filter(|&i| groups[i].choice.is_some() && groups[i].confidence >= min_confidence)
            .collect();
        let counts = self.country_counts(kept.iter().map(|&i| &groups[i]));
        let weak_demonym = |group: &Group| {
            let reading = match group.choice {
                Some((_, reading)) => &self.readings[reading as usize],
                None => return false,
            };
            reading.flags & DEMONYM != 0
                && counts.get(&reading.country).copied().unwrap_or(0) <= 1
                && !group.names_actor
                && group.members.1 - group.members.0 < 2
        };
        let kept_places: Vec<usize> = kept.iter().copied().filter(|&i| !weak_demonym(&groups[i])).collect();
        let counts = self.country_counts(kept_places.iter().map(|&i| &groups[i]));
        let elsewhere = counts.len() > 1;
        let mut out = Vec::new();
        for &i in &kept_places {
            let group = &groups[i];
            let reading = match group.choice {
                Some((_, reading)) => &self.readings[reading as usize],
                None => continue,
            };
            let mut bar = match reading.kind {
                CITY | COUNTY => Some(0.8),
                ADMIN1 if self.city_region(group, doc, reading) => Some(0.8), // "Bremen": the city
                ADMIN1 => Some(0.95),
                _ => None,
            };
            if let Some(value) = bar {
                if !group.common && !self.ambiguous(group, doc) {
                    bar = Some(if value < 0.8 { value } else { 0.8 });
                }
            }
            let code = reading.country;
            let lone = code >= 0 && counts.get(&code).copied().unwrap_or(0) <= 1 && elsewhere;
            if let Some(value) = bar {
                if lone && group.confidence < value {
                    continue;
                }
            }
            out.push(i);
        }
        let floor = if min_confidence > COUNTRY_ONLY_MIN_CONFIDENCE {
            min_confidence
        } else {
            COUNTRY_ONLY_MIN_CONFIDENCE
        };
        let mut considered = vec![false; groups.len()];
        for &i in &kept {
            considered[i] = true;
        }
        // Below the bar, within the margin of a document in which no name clears it.
        let mut spare = Vec::new();
        for (i, group) in groups.iter_mut().enumerate() {
            if considered[i] || group.choice.is_none() || group.common || group.person_like {
                continue;
            }
            if group.country_confidence >= floor {
                group.country_only = true;
                out.push(i);
            } else if group.country_confidence >= min_confidence - EMPTY_DOCUMENT_MARGIN
                && group.choice.map_or(false, |(_, reading)| self.readings[reading as usize].kind != COUNTRY)
            {
                spare.push(i); // never a country's own name
            }
        }
        // `_supported`: a document with nothing to report whose remaining town names agree on
        // one country is about that country.
        if out.is_empty() && !spare.is_empty() {
            let first = self.chosen_country(&groups[spare[0]]);
            if first.is_some() && spare.iter().all(|&i| self.chosen_country(&groups[i]) == first) {
                for &i in &spare {
                    groups[i].country_only = true;
                }
                out = spare;
            }
        }
        // `_opens_names_only`: a region named only as the first word of longer names, and by
        // nothing else in its country, names those, not the region.
        let counts = self.country_counts(out.iter().map(|&i| &groups[i]));
        out.retain(|&i| {
            let group = &groups[i];
            let Some((_, reading)) = group.choice else { return true };
            let reading = &self.readings[reading as usize];
            group.country_only
                || group.stands_alone
                || reading.kind != ADMIN1
                || reading.flags & TYPED != 0
                || counts.get(&reading.country).copied().unwrap_or(0) > 1
        });
        // `_unsupported_town`: an unsure small town alone in its region, in a document whose
        // other names give its country.
        let counts = self.country_counts(out.iter().map(|&i| &groups[i]));
        let mut regions: FastMap<i32, usize> = FastMap::with_capacity_and_hasher(out.len(), Default::default());
        for &i in &out {
            let group = &groups[i];
            if let (false, Some((_, reading))) = (group.country_only, group.choice) {
                *regions.entry(self.readings[reading as usize].admin1).or_insert(0) += 1;
            }
        }
        out.retain(|&i| {
            let group = &groups[i];
            let Some((_, reading)) = group.choice else { return true };
            let reading = &self.readings[reading as usize];
            group.country_only
                || group.confidence >= UNSUPPORTED_TOWN_MIN_CONFIDENCE
                || reading.kind != CITY
                || group.candidates.1 - group.candidates.0 <= 1
                || reading.admin1 < 0
                || reading.big
                || regions.get(&reading.admin1).copied().unwrap_or(0) > 1
                || counts.get(&reading.country).copied().unwrap_or(0) <= FOCUS_MIN_NAMES
        });
        // `_unnamed_country_towns`: small towns of a country that no name of its own gives,
        // outnumbered by another country's names, in regions where nothing else is reported.
        let counts = self.country_counts(out.iter().map(|&i| &groups[i]));
        let top = counts.values().copied().max().unwrap_or(0);
        let mut named: Vec<i32> = Vec::new();
        // per region: its country, and whether every reported town there is small
        let mut towns: FastMap<i32, (i32, bool)> = FastMap::with_capacity_and_hasher(out.len(), Default::default());
        for &i in &out {
            let group = &groups[i];
            let Some((_, reading)) = group.choice else { continue };
            let reading = &self.readings[reading as usize];
            if reading.kind != CITY {
                named.push(reading.country);
            } else if !group.country_only && reading.admin1 >= 0 {
                let entry = towns.entry(reading.admin1).or_insert((reading.country, true));
                entry.1 &= !reading.big;
            }
        }
        towns.retain(|_, &mut (code, small)| {
            small && !named.contains(&code) && counts.get(&code).copied().unwrap_or(0) < top
        });
        if !towns.is_empty() {
            out.retain(|&i| {
                let group = &groups[i];
                let Some((_, reading)) = group.choice else { return true };
                let reading = &self.readings[reading as usize];
                group.country_only || reading.kind != CITY || !towns.contains_key(&reading.admin1)
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn mentions(
        &self,
        text: &str,
        chars: &[char],
        other: Vec<(usize, usize, u32)>,
        min_confidence: f64,
        held_back: bool,
        buffers: &mut Buffers,
        doc: &mut Doc,
        scratch: &mut Scratch,
    ) -> Vec<Row> {
        self.latin_matches(chars, buffers);
        // What the passes below read of each matched name, asked for at once: its key's bits
        // and readings' range, then the first of its readings.
        for &(_, _, key) in buffers.matches.iter() {
            let key = key as usize;
            prefetch(&self.key_bits, key);
            prefetch(&self.key_start, key);
            prefetch(&self.word_town, key);
        }
        for &(_, _, key) in buffers.matches.iter() {
            if let (Some(&first), Some(&end)) = (self.key_start.get(key as usize), self.key_start.get(key as usize + 1)) {
                for reading in (first..end).step_by(2).take(4) {
                    prefetch(&self.readings, reading as usize); // two readings a cache line
                }
            }
        }
        let matches = &mut buffers.matches;
        matches.extend(other.into_iter().filter(|&(s, e, _)| s < e && e <= chars.len()));
        doc.span_readings.reserve(matches.len() * 4);
        let (mut spans, seen_lower) = self.candidate_spans(chars, matches, &mut doc.span_readings, &mut buffers.found);
        if spans.is_empty() {
            return Vec::new();
        }
        self.mark_context(chars, &mut spans);

        let mut groups: Vec<Group> = Vec::with_capacity(spans.len());
        let mut group_of_key: FastMap<u32, usize> = FastMap::with_capacity_and_hasher(spans.len(), Default::default());
        let mut group_of_span = Vec::with_capacity(spans.len());
        let mut lowered = String::new();
        // `_python_mentions`: per group of a word town, whether some occurrence follows a
        // locative ("in Vista"); without one the name is read as the word.
        let mut word_towns: Vec<(usize, bool)> = Vec::new();
        for span in spans.iter() {
            let g = match group_of_key.get(&span.key) {
                Some(&g) => g,
                None => {
                    let common = self.key_bits[span.key as usize] & 1 != 0
                        || seen_lower.contains(&span.key)
                        || self.used_as_word(text, chars, span, &mut lowered);
                    groups.push(Group { common, ..Group::default() });
                    group_of_key.insert(span.key, groups.len() - 1);
                    if !common && self.word_town[span.key as usize] {
                        word_towns.push((groups.len() - 1, false));
                    }
                    groups.len() - 1
                }
            };
            if let Some(entry) = word_towns.iter_mut().find(|(w, _)| *w == g) {
                // not "near Acme Feed and Seed": a longer name's first word stays a word
                entry.1 = entry.1 || (self.after_locative(chars, span.start) && !span.opens_name);
            }
            let group = &mut groups[g];
            group.members.1 += 1; // a count for now, made a range below
            // The tail of a longer name (penalty 0.25) marks that occurrence only.
            if span.person || span.penalty >= 0.3 {
                group.person_like = true;
            }
            if span.surname {
                group.surname = true;
            }
            if span.actor {
                group.names_actor = true;
            }
            if !span.opens_name {
                group.stands_alone = true;
            }
            group_of_span.push(g);
        }
        for &(g, located) in &word_towns {
            groups[g].common = !located;
        }
        // Each group's occurrences side by side in `doc.members`, in text order.
        let mut next = 0u32;
        for group in groups.iter_mut() {
            let count = group.members_count();
            group.members = (next, next);
            next += count;
        }
        doc.members.resize(spans.len(), 0);
        for (index, &g) in group_of_span.iter().enumerate() {
            let slot = &mut groups[g].members.1;
            doc.members[*slot as usize] = index as u32;
            *slot += 1;
        }
        for group in groups.iter_mut() {
            let from = doc.readings.len();
            for &s in &doc.members[range(group.members)] {
                let span = &spans[s as usize];
                for &r in &doc.span_readings[range(span.readings)] {
                    let reading = &self.readings[r as usize];
                    let prior = self.prior(reading, group, span);
                    match doc.readings[from..].iter_mut().find(|c| c.place == reading.place) {
                        Some(candidate) => {
                            if prior > candidate.prior {
                                candidate.prior = prior;
                                candidate.reading = r;
                            }
                        }
                        None => {
                            if prior > -1.0 {
                                doc.readings.push(Candidate { place: reading.place, prior, reading: r });
                            }
                        }
                    }
                }
            }
            group.readings = (from as u32, doc.readings.len() as u32);
        }
        // How many names have a reading in each admin-1 region: among readings of equal prior
        // ("Franklin County" in two dozen states) the ones the document's other names share
        // are kept when the list is cut.
        let mut names_in_region: FastMap<i32, usize> =
            FastMap::with_capacity_and_hasher(doc.readings.len().min(4 * groups.len()), Default::default());
        let mut areas: Vec<i32> = Vec::new();
        for group in groups.iter() {
            areas.clear();
            for candidate in &doc.readings[range(group.readings)] {
                let area = self.readings[candidate.reading as usize].admin1;
                if !areas.contains(&area) {
                    areas.push(area);
                }
            }
            for &area in &areas {
                *names_in_region.entry(area).or_insert(0) += 1;
            }
        }
        // Before the cut below, not after as in the reference: the bonuses read only the
        // occurrences' readings, never the cut list.
        self.pair_bonuses(chars, &mut spans, &group_of_span, &mut groups, &doc.span_readings);
        let mut ranked: Vec<(Candidate, usize)> = Vec::new();
        for group in groups.iter_mut() {
            let from = doc.candidates.len();
            let all = &doc.readings[range(group.readings)];
            if all.len() > 1 {
                // keep the likeliest few readings
                ranked.clear();
                ranked.extend(all.iter().map(|&c| {
                    let area = self.readings[c.reading as usize].admin1;
                    (c, names_in_region.get(&area).copied().unwrap_or(0))
                }));
                ranked.sort_by(|a, b| {
                    let by_prior = b.0.prior.partial_cmp(&a.0.prior).expect("no NaN");
                    by_prior.then_with(|| b.1.cmp(&a.1))
                });
                let floor = ranked[0].0.prior - MAX_PRIOR_GAP;
                doc.candidates.extend(
                    ranked.iter().take(MAX_CANDIDATES).map(|&(c, _)| c).filter(|c| c.prior >= floor),
                );
            } else {
                doc.candidates.extend_from_slice(all);
            }
            // a reading named by its neighbour ("Alexandria, La.") stays
            let first = &spans[doc.members[group.members.0 as usize] as usize];
            for &(place, _) in &group.bonus {
                if prior_of(&doc.candidates[from..], place).is_none() {
                    if let Some(&candidate) = all.iter().find(|c| c.place == place) {
                        let prior = self.prior(&self.readings[candidate.reading as usize], group, first);
                        doc.candidates.push(Candidate { prior, ..candidate });
                    }
                }
            }
            group.candidates = (from as u32, doc.candidates.len() as u32);
        }
        self.resolve(&mut groups, doc, false, scratch);
        self.resolve(&mut groups, doc, true, scratch);

        let mut out = Vec::with_capacity(spans.len());
        let reported = self.supported(&mut groups, doc, min_confidence);
        // Held-back names matter only to a county pass, which needs a county among the names
        // reported: a reported name that can mean a county (any of its occurrences may be
        // placed in one, by a pair or a later move).
        let county_named = held_back
            && (reported.iter().any(|&g| {
                let first = doc.members[groups[g].members.0 as usize] as usize;
                self.key_means(spans[first].key, COUNTY)
            }) || groups.iter().any(|group| {
                // a county below the bar may claim the towns too (`county_moves`)
                group.choice.map_or(false, |(_, reading)| self.readings[reading as usize].kind == COUNTY)
                    && group.confidence >= min_confidence - EMPTY_DOCUMENT_MARGIN
            }));
        if county_named {
            // `_held_back` of geoparse.py: town names below the bar, within the margin of it,
            // offered to the county pass.
            let mut is_reported = vec![false; groups.len()];
            for &g in &reported {
                is_reported[g] = true;
            }
            for (g, group) in groups.iter().enumerate() {
                let Some((choice, reading)) = group.choice else { continue };
                if is_reported[g]
                    || group.confidence < min_confidence - EMPTY_DOCUMENT_MARGIN
                    || !matches!(self.readings[reading as usize].kind, CITY | COUNTY)
                {
                    continue;
                }
                for &s in &doc.members[range(group.members)] {
                    out.push(Row::new(&spans[s as usize], choice, group.confidence, HELD_BACK));
                }
            }
        }
        for g in reported {
            let group = &groups[g];
            let (choice, reading) = match group.choice {
                Some(choice) => choice,
                None => continue,
            };
            let members = &doc.members[range(group.members)];
            if self.readings[reading as usize].kind == BORDER {
                for &s in members {
                    let span = &spans[s as usize];
                    out.push(Row::new(span, choice, group.confidence, 2));
                }
                continue;
            }
            if group.country_only {
                for &s in members {
                    let span = &spans[s as usize];
                    out.push(Row::new(span, choice, group.country_confidence, 1));
                }
                continue;
            }
            let candidates = &doc.candidates[range(group.candidates)];
            for &s in members {
                let span = &spans[s as usize];
                let (mut place, mut confidence) = (choice, group.confidence);
                if !span.pair.is_empty() && !span.pair.iter().any(|(p, _)| *p == choice) {
                    // "Alexandria, Va." after "Alexandria, La.": this occurrence's own partner
                    let mut best: Option<(u32, f64)> = None;
                    for &(p, bonus) in &span.pair {
                        let value = prior_of(candidates, p).unwrap_or(0.0) + bonus;
                        if best.map_or(true, |(_, v)| value > v) {
                            best = Some((p, value));
                        }
                    }
                    let (p, _) = best.expect("pair is not empty");
                    let bonus = span.pair.iter().find(|(q, _)| *q == p).expect("in pair").1;
                    let value = prior_of(candidates, p).unwrap_or(0.0) + bonus + 0.3;
                    place = p;
                    confidence = if value < 0.99 { value } else { 0.99 };
                }
                out.push(Row::new(span, place, confidence, 0));
            }
        }
        out.sort_by_key(|row| row.start);
        // Byte offsets for slicing the UTF-8 text: one walk over the characters up to the
        // last mention, rows being in text order.
        let ascii = text.is_ascii();
        let (mut position, mut byte) = (0usize, 0usize);
        for row in out.iter_mut() {
            row.confidence = round3(row.confidence);
            if ascii {
                row.byte_start = row.start;
                row.byte_end = row.end;
                continue;
            }
            if position < row.start {
                byte += utf8_len(&chars[position..row.start]);
                position = row.start;
            }
            row.byte_start = byte;
            row.byte_end = byte + utf8_len(&chars[row.start..row.end]);
        }
        out
    }

    fn pair_bonuses(
        &self,
        chars: &[char],
        spans: &mut [Span],
        group_of_span: &[usize],
        groups: &mut [Group],
        span_readings: &[u32],
    ) {
        let mut bonuses: Vec<(u32, u32)> = Vec::new();
        for left in 0..spans.len().saturating_sub(1) {
            let right = left + 1;
            let gap = &chars[spans[left].end..spans[right].start];
            let is_gap = |s: &str| gap.iter().copied().eq(s.chars());
            if !(is_gap(", ") || is_gap(",") || is_gap(" in ") || is_gap(", in ")) {
                continue;
            }
            bonuses.clear();
            for &r in &span_readings[range(spans[left].readings)] {
                let reading = &self.readings[r as usize];
                for &o in &span_readings[range(spans[right].readings)] {
                    let other = &self.readings[o as usize];
                    if (other.kind == ADMIN1 && reading.admin1 == other.admin1)
                        || (other.kind == COUNTRY && reading.country == other.country)
                    {
                        bonuses.push((reading.place, other.place));
                    }
                }
            }
            for &(left_place, right_place) in &bonuses {
                raise(&mut groups[group_of_span[left]].bonus, left_place, 0.5);
                raise(&mut groups[group_of_span[right]].bonus, right_place, 0.45);
                set(&mut spans[left].pair, left_place, 0.5);
                set(&mut spans[right].pair, right_place, 0.45);
            }
        }
    }
}

impl Group {
    /// While occurrences are counted, `members` is (0, count).
    fn members_count(&self) -> u32 {
        self.members.1 - self.members.0
    }
}

/// Buffers `resolve` reuses across groups and rounds.
#[derive(Default)]
struct Scratch {
    own: Vec<(i32, f64)>,
    own_ranges: Vec<(Range32, Range32)>,
    scored: Vec<(f64, u32, u32)>,
}

impl Row {
    fn new(span: &Span, place: u32, confidence: f64, mode: u8) -> Row {
        Row { start: span.start, end: span.end, place, confidence, mode, key: span.key, byte_start: 0, byte_end: 0 }
    }
}

fn raise(map: &mut Vec<(u32, f64)>, key: u32, value: f64) {
    match map.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => {
            if value > entry.1 {
                entry.1 = value;
            }
        }
        None => map.push((key, if value > 0.0 { value } else { 0.0 })),
    }
}

fn set(map: &mut Vec<(u32, f64)>, key: u32, value: f64) {
    match map.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => map.push((key, value)),
    }
}

/// `fold_soft_whitespace` of geodata/whitespace.py (the reference; keep the two in step, as
/// tests/test_whitespace.py checks): the text with its soft whitespace folded to one space, and
/// the folded and original character offsets where each folded piece starts; None when
/// nothing folds. Python's scan costs a sixth of a compiled parse on hard-wrapped news.
#[pyfunction]
fn fold_soft_whitespace(text: &str) -> Option<(String, Vec<usize>, Vec<usize>)> {
    if !any_soft_run(text) {
        return None; // most texts: no copy
    }
    // Read on the UTF-8 bytes: the blanks are ASCII, the text between them is copied whole,
    // and character offsets are counted from the bytes that start a character.
    let bytes = text.as_bytes();
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let chars_in = |piece: &[u8]| piece.iter().filter(|&&b| b & 0xc0 != 0x80).count();
    let mut folded = String::with_capacity(text.len());
    let (mut folded_starts, mut original_starts) = (vec![0], vec![0]);
    let (mut last, mut last_char) = (0, 0); // the end of the last folded run, in bytes and chars
    let mut folded_length = 0; // in chars
    let (mut index, mut char_index) = (0, 0); // bytes read, and their chars
    while index < bytes.len() {
        let Some(offset) = bytes[index..].iter().position(|&b| blank(b)) else { break };
        let start = index + offset;
        char_index += chars_in(&bytes[index..start]);
        let mut end = start + 1;
        while end < bytes.len() && blank(bytes[end]) {
            end += 1;
        }
        let (start_char, end_char) = (char_index, char_index + (end - start));
        index = end;
        char_index = end_char;
        // `_RUN`: two or more blanks, or a lone line break or tab
        let run = end - start >= 2 || matches!(bytes[start], b'\t' | b'\n');
        if run && soft_bytes(text, start, end) {
            folded.push_str(&text[last..start]);
            folded.push(' ');
            folded_length += start_char - last_char + 1;
            last = end;
            last_char = end_char;
            folded_starts.push(folded_length);
            original_starts.push(last_char);
        }
    }
    if last == 0 {
        return None;
    }
    folded.push_str(&text[last..]);
    Some((folded, folded_starts, original_starts))
}

/// Whether `fold_soft_whitespace` may fold anything in `text`, answered without the character
/// array for most texts: those whose only runs are line breaks, each with at most a space on
/// either side (paragraphs of an article), are read at their breaks, found by a vectorised
/// search; any tab, carriage return or double space (true) leaves it to the full pass.
fn any_soft_run(text: &str) -> bool {
    if text.contains('\t') || text.contains('\r') || text.contains("  ") {
        return true;
    }
    let bytes = text.as_bytes();
    let mut after = 0; // the end of the last run read
    for (at, _) in text.match_indices('\n') {
        if at < after {
            continue; // part of a run already read
        }
        // The run around this break: breaks and single spaces.
        let mut start = at;
        while start > 0 && matches!(bytes[start - 1], b' ' | b'\n') {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && matches!(bytes[end], b' ' | b'\n') {
            end += 1;
        }
        after = end;
        let breaks = bytes[start..end].iter().filter(|&&b| b == b'\n').count();
        if breaks > 1 || start == 0 || end == bytes.len() {
            continue; // a blank line, or the text's first or last run: stays
        }
        let before = text[..start].chars().next_back().expect("start > 0");
        if ".!?:;\"“”".contains(before) {
            continue;
        }
        if bytes[end - 1] != b'\n' || text[end..].chars().next().map_or(false, char::is_lowercase) {
            return true;
        }
    }
    false
}

/// `_folds` of geodata/whitespace.py: whether the blank run `text[start..end]` (byte offsets;
/// blanks are ASCII) is soft.
fn soft_bytes(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let breaks = bytes[start..end].iter().filter(|&&b| b == b'\n').count();
    if breaks == 0 {
        return true;
    }
    if breaks > 1 || start == 0 || end == bytes.len() {
        return false;
    }
    let before = text[..start].chars().next_back().expect("start > 0");
    if ".!?:;\"“”".contains(before) {
        return false;
    }
    bytes[end - 1] != b'\n' || text[end..].chars().next().map_or(false, char::is_lowercase)
}

#[pymodule]
fn riskmap_geocore(_py: Python<'_>, module: &PyModule) -> PyResult<()> {
    module.add_class::<Core>()?;
    module.add_function(wrap_pyfunction!(fold_soft_whitespace, module)?)?;
    Ok(())
}
