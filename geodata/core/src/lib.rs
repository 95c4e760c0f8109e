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

/// Set in the core's own copy of the key bits on the keys of Latin-script names: those
/// `Gazetteer.key_of` finds from a mention's surface (Python's bits stop at 64).
const LATIN_KEY: u8 = 128;
/// `DEFAULT_MIN_CONFIDENCE` of geoparse.py: a name moved to its namesake is at least this sure.
const DEFAULT_MIN_CONFIDENCE: f64 = 0.75;
/// `_FOCUS_MIN_NAMES` of geoparse.py.
const FOCUS_MIN_NAMES: usize = 2;

const NO_KEY: u32 = u32::MAX;
const MAX_CANDIDATES: usize = 8;
const MAX_PRIOR_GAP: f64 = 0.4;
const MAX_EVIDENCE_AREAS: usize = 3;
const COUNTRY_ONLY_MIN_CONFIDENCE: f64 = 0.7;

/// One place a key can mean, with its prior before anything the document says.
struct Reading {
    place: u32,
    flags: u8,
    base: f64,
    kind: u8,
    country: i32,
    admin1: i32,
    country_weight: f64,
}

struct Span {
    start: usize,
    end: usize,
    key: u32,
    readings: Vec<u32>,
    pair: Vec<(u32, f64)>,
    penalty: f64,
    person: bool,
    organisation: bool,
    street: bool,
    surname: bool,
    actor: bool,
}

#[derive(Default)]
struct Group {
    spans: Vec<usize>,
    candidates: Vec<(u32, f64)>,
    readings: FastMap<u32, u32>,
    bonus: Vec<(u32, f64)>,
    choice: Option<u32>,
    confidence: f64,
    common: bool,
    person_like: bool,
    surname: bool,
    country_confidence: f64,
    country_only: bool,
    names_actor: bool,
    table: Option<Vec<(f64, u32, i32, f64, i32)>>,
}

type Weights = Vec<(i32, f64)>;

/// The value of `key` in a small insertion-ordered map (a Python dict's order, kept by a Vec).
fn weight_of<K: PartialEq + Copy>(map: &[(K, f64)], key: K) -> Option<f64> {
    map.iter().find(|(k, _)| *k == key).map(|(_, w)| *w)
}

fn add_weight(map: &mut Weights, key: i32, weight: f64) {
    match map.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 += weight,
        None => map.push((key, weight)),
    }
}

/// Python's `round(x, 3)`: the decimal string is correctly rounded, and no double lies exactly
/// half-way between two multiples of 0.001 (2000 has the factor 125), so there are no ties.
fn round3(x: f64) -> f64 {
    format!("{:.3}", x).parse().unwrap_or(x)
}

fn capped(x: f64) -> f64 {
    if x < 1.0 {
        x
    } else {
        1.0
    }
}

fn is_upper_start(c: char) -> bool {
    matches!(c, 'A'..='Z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{DE}' | '\u{100}'..='\u{24F}')
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '-' | '–' | '—' | '\'' | '’' | '.')
}

/// `_OTHER_SCRIPT` in gazetteer.py: Greek to Hangul, whose names Python matches.
fn is_other_script(c: char) -> bool {
    matches!(c, '\u{370}'..='\u{1fff}' | '\u{2e80}'..='\u{a4cf}' | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
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

#[pyclass(module = "riskmap_geocore")]
struct Core {
    /// Folded Latin-script names ("kabul", "st  louis") -> key. Every name starts and ends on a
    /// word boundary, so looking up each run of whole words of a segment finds what an
    /// Aho-Corasick pass over the padded segment finds, overlaps included.
    /// Each name's leading whole words ("new", "new york" for "new york city") are entries too,
    /// with no key (`NO_KEY`): a run of words is extended only while it can still grow into a
    /// name. The flag says whether some longer name starts with the entry.
    names: FastMap<Box<str>, (u32, bool)>,
    /// The most words a name has: longer runs need no lookup.
    max_words: usize,
    key_bits: Vec<u8>,
    key_start: Vec<u32>,
    readings: Vec<Reading>,
    neighbours: Vec<Vec<i32>>,
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
    openers: FastSet<String>,
    /// Ordinary words, type words and titles: no surname after a region's given name.
    ordinary: FastSet<String>,
    /// Per (place, mode): the parts of a mention that depend on the place alone, made once by
    /// the caller's `template_of` (see `parse_mentions`).
    templates: Mutex<FastMap<(u32, u8), PyObject>>,
    speech_verbs: FastSet<String>,
    state_nouns: FastSet<String>,
    /// Per place: kind, country and admin-1 region (what a mention of it reports), for the
    /// document-coherence pass (`cohere`).
    place_kind: Vec<u8>,
    place_country: Vec<i32>,
    place_admin1: Vec<i32>,
    /// Per region: its id (ties between regions are broken by id, as Python sorts them) and
    /// its country (-1 unknown). Empty when the caller gave none: `parse_document` then refuses.
    region_ids: Vec<String>,
    region_country: Vec<i32>,
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
            0.97
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
    #[args(region_ids = "None", region_country = "None")]
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
    ) -> PyResult<Self> {
        let (region_ids, region_country) = (region_ids.unwrap_or_default(), region_country.unwrap_or_default());
        if region_ids.len() != region_country.len() {
            return Err(PyValueError::new_err("region columns differ in length"));
        }
        let mut key_bits = key_bits;
        if entry_place.len() != entry_flags.len() || key_length.len() != key_bits.len() {
            return Err(PyValueError::new_err("gazetteer columns differ in length"));
        }
        let mut readings = Vec::with_capacity(entry_place.len());
        for (&place, &flags) in entry_place.iter().zip(entry_flags.iter()) {
            let index = place as usize;
            let (kind, population) = (place_kind[index], place_population[index]);
            readings.push(Reading {
                place,
                flags,
                base: base_prior(kind, flags, population),
                kind,
                country: place_country[index],
                admin1: place_admin1[index],
                country_weight: country_weight(kind, population),
            });
        }
        let mut names: FastMap<Box<str>, (u32, bool)> = FastMap::default();
        names.reserve(patterns.len() * 3 / 2);
        let mut max_words = 0;
        for (pattern, key) in patterns {
            if key_bits.get(key as usize).map_or(true, |bits| bits & 2 != 0) {
                return Err(PyValueError::new_err("Latin-script names are padded keys"));
            }
            let name = pattern.strip_prefix(' ').and_then(|p| p.strip_suffix(' ')).unwrap_or(&pattern);
            let mut words = 0;
            for (i, c) in name.char_indices() {
                // a word ends before each space that follows a non-space
                if c == ' ' && i > 0 && !name[..i].ends_with(' ') {
                    names.entry(name[..i].into()).or_insert((NO_KEY, true)).1 = true;
                    words += 1;
                }
            }
            max_words = max_words.max(words + 1);
            names.entry(name.into()).or_insert((NO_KEY, false)).0 = key;
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
            neighbours,
            connector_chars: plain.iter().map(|w| w.chars().count()).max().unwrap_or(0),
            connector_words: word_set(plain),
            connectors: small,
            titles: take("titles"),
            given_names: take("given_names"),
            heads: take("heads"),
            streets: take("streets"),
            openers: take("openers"),
            ordinary: take("ordinary"),
            templates: Mutex::new(FastMap::default()),
            speech_verbs: take("speech_verbs"),
            state_nouns: take("state_nouns"),
            place_kind,
            place_country,
            place_admin1,
            region_ids,
            region_country,
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
        let rows = self.rows(py, text, other, min_confidence)?;
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
        let rows = match self.rows(py, text, other, min_confidence) {
            Some(rows) => rows,
            None => return Ok(None),
        };
        let placed = self.with_templates(py, rows, template_of)?;
        Ok(Some(self.build_mentions(py, text, &placed, mention_type)?))
    }

    /// The whole compiled pass of `geoparse` but borders: `parse_mentions`, then the document
    /// coherence pass (`_cohere` of geoparse.py, the reference). Returns `(mentions, border)`,
    /// where `border` is false when no border phrase can be in the text (no country among the
    /// mentions, or none of "order", "rontier", "oundar" in it), so the caller skips that
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
    ) -> PyResult<Option<(PyObject, bool)>> {
        if self.region_ids.is_empty() {
            return Err(PyValueError::new_err("parse_document needs region_ids and region_country"));
        }
        let rows = match self.rows(py, text, other, min_confidence) {
            Some(rows) => rows,
            None => return Ok(None),
        };
        let mut placed = self.with_templates(py, rows, template_of)?;
        for (index, place) in self.cohere(text, &placed) {
            let row = &mut placed[index].0;
            row.place = place;
            row.mode = 0;
            if row.confidence < DEFAULT_MIN_CONFIDENCE {
                row.confidence = DEFAULT_MIN_CONFIDENCE;
            }
            placed[index].1 = self.template(py, place, 0, template_of)?;
        }
        let border = placed.iter().any(|(row, _)| row.mode == 0 && self.place_kind[row.place as usize] == COUNTRY)
            && (text.contains("order") || text.contains("rontier") || text.contains("oundar"));
        Ok(Some((self.build_mentions(py, text, &placed, mention_type)?, border)))
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
    ) -> Option<Vec<Row>> {
        py.allow_threads(|| {
            let chars: Vec<char> = text.chars().collect();
            let other = match other {
                Some(other) => other,
                None if chars.iter().any(|&c| is_other_script(c)) => return None,
                None => Vec::new(),
            };
            Some(self.mentions(text, &chars, other, min_confidence))
        })
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
        if placed.is_empty() {
            return Ok(list.into());
        }
        // Offsets are characters; slicing the UTF-8 text needs bytes.
        let byte_of: Vec<usize> = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect()
        };
        let byte = |i: usize| if byte_of.is_empty() { i } else { byte_of[i] };
        for (row, template) in placed {
            let parts: &PyTuple = template.as_ref(py).downcast()?;
            let surface: PyObject = PyString::new(py, &text[byte(row.start)..byte(row.end)]).into();
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
        let char_starts: Vec<usize> = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect()
        };
        let byte = |i: usize| if char_starts.is_empty() { i } else { char_starts[i] };
        // Names as numbers: equal lower-case surfaces, equal numbers.
        let mut number_of: FastMap<String, usize> = FastMap::default();
        let mut first: Vec<usize> = Vec::new(); // per name: its first row
        let names: Vec<usize> = placed
            .iter()
            .enumerate()
            .map(|(index, (row, _))| {
                let lowered = text[byte(row.start)..byte(row.end)].to_lowercase();
                let next = number_of.len();
                let number = *number_of.entry(lowered).or_insert(next);
                if number == next {
                    first.push(index);
                }
                number
            })
            .collect();
        // Distinct names per region and per country, insertion-ordered (few of each).
        let mut by_region: Vec<(i32, Vec<usize>)> = Vec::new();
        let mut by_country: Vec<(i32, Vec<usize>)> = Vec::new();
        for (&name, &(_, country, region)) in names.iter().zip(reported.iter()) {
            for (area, table) in [(region, &mut by_region), (country, &mut by_country)] {
                if area < 0 {
                    continue;
                }
                match table.iter_mut().find(|(a, _)| *a == area) {
                    Some((_, names)) => {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    None => table.push((area, vec![name])),
                }
            }
        }
        let region_names = |region: i32| by_region.iter().find(|(r, _)| *r == region).map(|(_, n)| n);
        if by_region.iter().all(|(_, names)| names.len() < FOCUS_MIN_NAMES) {
            return moved; // no region has enough names to be a focus (most documents)
        }
        // The top three regions by name count, ties by region id, as Python sorts them.
        let mut ranked: Vec<(usize, i32)> = by_region.iter().map(|(r, n)| (n.len(), *r)).collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0).then_with(|| self.region_ids[b.1 as usize].cmp(&self.region_ids[a.1 as usize]))
        });
        ranked.truncate(3);
        let mut moves: Vec<(usize, u32)> = Vec::new(); // (name, place)
        for (name, &index) in first.iter().enumerate() {
            let (kind, country, region) = reported[index];
            if kind == MentionKind::Border || kind == MentionKind::Admin1 {
                continue; // a region named in full is its own evidence
            }
            if region >= 0 && region_names(region).map_or(0, |n| n.len()) > 1 {
                continue; // another name lies in its region: the chosen reading has support
            }
            // _namesake_in_focus
            let (mut focus, mut support) = (-1, 0);
            for &(count, area) in &ranked {
                let others = count - usize::from(region_names(area).map_or(false, |n| n.contains(&name)));
                if others > support {
                    focus = area;
                    support = others;
                }
            }
            if focus < 0 || support < FOCUS_MIN_NAMES || focus == region {
                continue;
            }
            let home = self.region_country.get(focus as usize).copied().unwrap_or(-1);
            if country != home {
                let named = by_country.iter().find(|(c, _)| *c == country && country >= 0);
                if let Some((_, others)) = named {
                    if others.len() > usize::from(others.contains(&name)) {
                        continue; // a foreign reading whose country is named elsewhere
                    }
                }
            }
            if kind == MentionKind::Country && by_country.iter().any(|(c, _)| *c != country && *c != home) {
                continue; // a country among other countries is the country
            }
            let key = placed[index].0.key;
            if self.key_bits[key as usize] & LATIN_KEY == 0 {
                continue; // Gazetteer.key_of finds Latin-script names only
            }
            let namesake = self.entries(key).map(|r| &self.readings[r]).find(|reading| {
                reading.admin1 == focus && (reading.kind == CITY || reading.kind == COUNTY)
            });
            if let Some(reading) = namesake {
                moves.push((name, reading.place));
            }
        }
        for (name, place) in moves {
            for (index, &other) in names.iter().enumerate() {
                if other == name {
                    moved.push((index, place));
                }
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
    fn segments(&self, chars: &[char]) -> Vec<(usize, usize)> {
        let n = chars.len();
        let word_end = |mut i: usize| {
            while i < n && is_alnum(chars[i]) {
                i += 1;
            }
            i
        };
        let mut found = Vec::new();
        let mut run = String::new(); // one buffer for the lower-case runs looked up below
        let mut p = 0;
        while p < n {
            if !is_upper_start(chars[p]) {
                p += 1;
                continue;
            }
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
            p = pos;
        }
        found
    }

    /// Every (start, end, key) of a Latin-script name inside a segment: each run of whole words
    /// of the folded segment (lower case, separators as spaces) looked up as a name.
    fn latin_matches(&self, chars: &[char]) -> Vec<(usize, usize, u32)> {
        let mut found = Vec::new();
        let mut folded = String::new();
        let mut byte_at: Vec<usize> = Vec::new(); // byte offset of each char of the segment
        let mut starts: Vec<usize> = Vec::new(); // word starts, in chars
        let mut ends: Vec<usize> = Vec::new(); // word ends, in chars
        for (seg_start, seg_end) in self.segments(chars) {
            folded.clear();
            byte_at.clear();
            starts.clear();
            ends.clear();
            let piece = &chars[seg_start..seg_end];
            for (i, &c) in piece.iter().enumerate() {
                byte_at.push(folded.len());
                let space = is_separator(c);
                folded.push(if space { ' ' } else { lower_char(c) });
                if !space && (i == 0 || is_separator(piece[i - 1])) {
                    starts.push(i);
                }
                if !space && (i + 1 == piece.len() || is_separator(piece[i + 1])) {
                    ends.push(i + 1);
                }
            }
            byte_at.push(folded.len());
            for (w, &first) in starts.iter().enumerate() {
                for &last in ends.iter().skip(w).take(self.max_words) {
                    match self.names.get(&folded[byte_at[first]..byte_at[last]]) {
                        Some(&(key, longer)) => {
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
        found
    }

    fn candidate_spans(
        &self,
        chars: &[char],
        matches: Vec<(usize, usize, u32)>,
    ) -> (Vec<Span>, FastSet<u32>) {
        let mut found: Vec<(usize, usize, u32, Option<Vec<u32>>)> = Vec::new();
        let mut seen_lower = FastSet::default();
        for (start, end, key) in matches {
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
            let readings: Vec<u32> = if bits & 32 != 0 && !lower_first {
                self.entries(key).map(|r| r as u32).collect()
            } else {
                let upper = is_cased_str(&chars[start..end], true);
                let dotted = after == Some('.');
                let kept: Vec<u32> = self
                    .entries(key)
                    .filter(|&r| {
                        let flags = self.readings[r].flags;
                        (upper || flags & ACRONYM == 0)
                            && (!lower_first || flags & LOWER_OK != 0)
                            && (dotted || flags & ABBREV == 0)
                    })
                    .map(|r| r as u32)
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                if dotted && kept.iter().any(|&r| self.readings[r as usize].flags & ABBREV != 0) {
                    end += 1; // "La." keeps its full stop
                    after = chars.get(end).copied();
                }
                kept
            };
            if after == Some('.') && chars[start..end].contains(&'.') {
                end += 1; // "U.S." keeps its last full stop
            }
            found.push((start, end, key, Some(readings)));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut selected = Vec::new();
        let mut last_end = 0;
        let mut any = false;
        for (start, end, key, readings) in found {
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
    fn used_as_word(&self, text: &str, chars: &[char], span: &Span) -> bool {
        let surface = &chars[span.start..span.end];
        if surface.contains(&' ')
            || surface.len() < 2
            || !is_cased_str(&surface[1..], false)
            || self.countries_only(span.key)
        {
            return false;
        }
        let lowered = py_lower(surface);
        if lowered.is_empty() {
            return false;
        }
        if !text.contains(lowered.as_str()) {
            return false; // the common case, and `contains` has a fast vectorised path
        }
        let mut from = 0;
        while let Some(found) = text[from..].find(&lowered) {
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
        let span_ends: FastSet<usize> = spans.iter().map(|s| s.end).collect();
        let span_starts: FastSet<usize> = spans.iter().map(|s| s.start).collect();
        for span in spans.iter_mut() {
            let bits = self.key_bits[span.key as usize];
            if bits & 1 == 0 && self.countries_only(span.key) && !self.has_demonym(span.key) {
                continue;
            }
            let start = span.start;
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
                let dotted = raw.last() == Some(&'.');
                if dotted && !span_ends.contains(&previous_end) && is_initials(raw) {
                    span.person = true;
                    span.surname = true;
                }
                let previous = strip_trailing_dots(raw);
                if !previous.is_empty() && previous[0].is_uppercase() && is_alpha_str(previous) {
                    let lowered = py_lower(previous);
                    // Also after a given name that is itself a town ("Paul Selma").
                    if self.titles.contains(&lowered) || self.given_names.contains(&lowered) {
                        span.person = true;
                        span.surname = true;
                    } else if !dotted
                        && !self.openers.contains(&lowered)
                        && !span_ends.contains(&previous_end)
                        && !is_sentence_start(chars, word_start)
                    {
                        span.penalty += 0.25;
                    }
                }
            }
            let end = span.end;
            let mut following: &[char] = &[];
            match chars.get(end) {
                Some('-' | '–' | '—' | '/') => span.actor = true,
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
                let head = py_lower(following);
                if self.streets.contains(&head) {
                    span.organisation = true;
                    span.street = true;
                } else if self.heads.contains(&head) {
                    span.organisation = true;
                } else if self.titles.contains(&py_lower(strip_trailing_dots(&chars[start..end]))) {
                    span.person = true;
                } else if bits & 16 != 0 {
                    span.person = true;
                } else if bits & 64 != 0
                    && !self.ordinary.contains(&head)
                    && !span_starts.contains(&(end + 1))
                {
                    span.person = true; // "Vladimir Putin"; not "Vladimir Oblast"
                }
            } else {
                let word: String = following.iter().collect();
                if self.speech_verbs.contains(&word) {
                    span.penalty += 0.3;
                } else if self.state_nouns.contains(&word) {
                    span.actor = true;
                }
            }
            if bits & 1 != 0 && is_sentence_start(chars, start) {
                span.penalty += 0.2;
            }
        }
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
            if span.person {
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

    fn reading_of(&self, group: &Group, place: u32) -> &Reading {
        &self.readings[group.readings[&place] as usize]
    }

    fn same_area(a: &Reading, b: &Reading) -> bool {
        a.country == b.country && (a.admin1 < 0 || b.admin1 < 0 || a.admin1 == b.admin1)
    }

    fn evidence(&self, groups: &[Group], resolved: bool) -> (Vec<(Weights, Weights)>, Weights, Weights) {
        let mut parts = Vec::with_capacity(groups.len());
        let mut country_total: Weights = Vec::new();
        let mut admin1_total: Weights = Vec::new();
        for group in groups {
            let mut countries: Weights = Vec::new();
            let mut regions: Weights = Vec::new();
            if resolved {
                if let Some(choice) = group.choice {
                    let spans = group.spans.len().min(2) as f64;
                    let weight = group.confidence * spans / 1.5;
                    let reading = self.reading_of(group, choice);
                    if reading.country >= 0 {
                        add_weight(&mut country_total, reading.country, weight);
                        countries.push((reading.country, weight));
                    }
                    if reading.admin1 >= 0 {
                        add_weight(&mut admin1_total, reading.admin1, weight);
                        regions.push((reading.admin1, weight));
                    }
                }
                parts.push((countries, regions));
                continue;
            }
            let candidates = &group.candidates;
            if candidates.len() == 1 {
                let (place, best) = candidates[0];
                if best > 0.3 {
                    let reading = self.reading_of(group, place);
                    if reading.country >= 0 {
                        countries.push((reading.country, best));
                    }
                    if reading.admin1 >= 0 {
                        regions.push((reading.admin1, best));
                    }
                }
            } else if !candidates.is_empty() {
                let best = candidates.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
                let floor = if best - 0.3 > 0.3 { best - 0.3 } else { 0.3 };
                let mut codes: Vec<i32> = Vec::new();
                let mut areas: Vec<i32> = Vec::new();
                for &(place, prior) in candidates {
                    if prior > floor {
                        let reading = self.reading_of(group, place);
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
                        countries.push((code, best / codes.len() as f64));
                    }
                }
                if areas.len() <= MAX_EVIDENCE_AREAS {
                    for &area in &areas {
                        regions.push((area, best / areas.len() as f64));
                    }
                }
            }
            for &(code, weight) in &countries {
                add_weight(&mut country_total, code, weight);
            }
            for &(area, weight) in &regions {
                add_weight(&mut admin1_total, area, weight);
            }
            parts.push((countries, regions));
        }
        (parts, country_total, admin1_total)
    }

    fn neighbours_of(&self, region: i32) -> &[i32] {
        self.neighbours.get(region as usize).map_or(&[], |n| n.as_slice())
    }

    fn resolve(&self, groups: &mut [Group], resolved: bool) {
        let (parts, country_total, admin1_total) = self.evidence(groups, resolved);
        let mut near_total: FastMap<i32, f64> = FastMap::default();
        for &(region, weight) in &admin1_total {
            for &neighbour in self.neighbours_of(region) {
                *near_total.entry(neighbour).or_insert(0.0) += weight;
            }
        }
        for (group, (own_countries, own_regions)) in groups.iter_mut().zip(parts.iter()) {
            if group.table.is_none() {
                let mut table = Vec::with_capacity(group.candidates.len());
                for &(place, prior) in &group.candidates {
                    let reading = self.reading_of(group, place);
                    let score = match weight_of(&group.bonus, place) {
                        Some(bonus) => prior + bonus,
                        None => prior,
                    };
                    let area = if reading.kind != COUNTRY { reading.admin1 } else { -1 };
                    table.push((score, place, reading.country, reading.country_weight, area));
                }
                group.table = Some(table);
            }
            let table = group.table.as_ref().expect("built above");
            if table.is_empty() {
                group.choice = None;
                group.confidence = 0.0;
                continue;
            }
            let mut scored: Vec<(f64, u32)> = Vec::with_capacity(table.len());
            for &(base, place, code, weight, area) in table {
                let mut score = base;
                if code >= 0 {
                    if let Some(total) = weight_of(&country_total, code) {
                        let support = total - weight_of(own_countries, code).unwrap_or(0.0);
                        if support > 0.0 {
                            score += weight * capped(support);
                        }
                    }
                }
                if area >= 0 && !admin1_total.is_empty() {
                    let mut support = weight_of(&admin1_total, area).unwrap_or(0.0);
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
                scored.push((score, place));
            }
            let top = |s: f64| if s < 0.99 { s } else { 0.99 };
            if scored.len() == 1 {
                let (best_score, best) = scored[0];
                group.choice = Some(best);
                group.confidence = top(best_score);
                group.country_confidence = group.confidence;
                continue;
            }
            scored.sort_by(|a, b| b.0.partial_cmp(&a.0).expect("no NaN").then(b.1.cmp(&a.1)));
            let (best_score, best) = scored[0];
            let chosen = self.reading_of(group, best);
            let mut confidence = top(best_score);
            for &(score, other) in &scored[1..] {
                if Self::same_area(chosen, self.reading_of(group, other)) {
                    continue;
                }
                if score > best_score - 0.15 {
                    confidence -= 0.15 * (1.0 - (best_score - score) / 0.15);
                }
                break;
            }
            let one_country =
                scored.iter().all(|&(_, p)| self.reading_of(group, p).country == chosen.country);
            group.choice = Some(best);
            group.confidence = confidence;
            group.country_confidence = if one_country { top(best_score) } else { confidence };
        }
    }

    fn ambiguous(&self, group: &Group) -> bool {
        let choice = match group.choice {
            Some(choice) => choice,
            None => return false,
        };
        let chosen = self.reading_of(group, choice);
        let floor = weight_of(&group.candidates, choice).unwrap_or(0.0) - 0.2;
        group
            .candidates
            .iter()
            .any(|&(place, prior)| prior >= floor && !Self::same_area(chosen, self.reading_of(group, place)))
    }

    fn chosen_country(&self, group: &Group) -> Option<i32> {
        let choice = group.choice?;
        let code = self.reading_of(group, choice).country;
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

    /// Indices of the groups to report, in the order `_supported` reports them.
    fn supported(&self, groups: &mut [Group], min_confidence: f64) -> Vec<usize> {
        let kept: Vec<usize> = (0..groups.len())
            .filter(|&i| groups[i].choice.is_some() && groups[i].confidence >= min_confidence)
            .collect();
        let counts = self.country_counts(kept.iter().map(|&i| &groups[i]));
        let weak_demonym = |group: &Group| {
            let choice = match group.choice {
                Some(choice) => choice,
                None => return false,
            };
            let reading = self.reading_of(group, choice);
            reading.flags & DEMONYM != 0
                && counts.get(&reading.country).copied().unwrap_or(0) <= 1
                && !group.names_actor
                && group.spans.len() < 2
        };
        let kept_places: Vec<usize> = kept.iter().copied().filter(|&i| !weak_demonym(&groups[i])).collect();
        let counts = self.country_counts(kept_places.iter().map(|&i| &groups[i]));
        let elsewhere = counts.len() > 1;
        let mut out = Vec::new();
        for &i in &kept_places {
            let group = &groups[i];
            let choice = match group.choice {
                Some(choice) => choice,
                None => continue,
            };
            let reading = self.reading_of(group, choice);
            let mut bar = match reading.kind {
                CITY | COUNTY => Some(0.8),
                ADMIN1 => Some(0.95),
                _ => None,
            };
            if let Some(value) = bar {
                if !group.common && !self.ambiguous(group) {
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
        for i in 0..groups.len() {
            let group = &groups[i];
            if kept.contains(&i) || group.choice.is_none() || group.common || group.person_like {
                continue;
            }
            if group.country_confidence >= floor {
                groups[i].country_only = true;
                out.push(i);
            }
        }
        out
    }

    fn mentions(
        &self,
        text: &str,
        chars: &[char],
        other: Vec<(usize, usize, u32)>,
        min_confidence: f64,
    ) -> Vec<Row> {
        let mut matches = self.latin_matches(chars);
        matches.extend(other.into_iter().filter(|&(s, e, _)| s < e && e <= chars.len()));
        let (mut spans, seen_lower) = self.candidate_spans(&chars, matches);
        if spans.is_empty() {
            return Vec::new();
        }
        self.mark_context(&chars, &mut spans);

        let mut groups: Vec<Group> = Vec::new();
        let mut group_of_key: FastMap<u32, usize> = FastMap::default();
        let mut group_of_span = Vec::with_capacity(spans.len());
        for (index, span) in spans.iter().enumerate() {
            let g = match group_of_key.get(&span.key) {
                Some(&g) => g,
                None => {
                    let common = self.key_bits[span.key as usize] & 1 != 0
                        || seen_lower.contains(&span.key)
                        || self.used_as_word(text, chars, span);
                    groups.push(Group { common, ..Group::default() });
                    group_of_key.insert(span.key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let group = &mut groups[g];
            group.spans.push(index);
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
            group_of_span.push(g);
        }
        for group in groups.iter_mut() {
            let mut candidates: Vec<(u32, f64)> = Vec::new();
            // place -> (index in candidates, reading): dict semantics, insertion order kept
            let mut readings: FastMap<u32, u32> = FastMap::default();
            let mut index: FastMap<u32, usize> = FastMap::default();
            for &s in &group.spans {
                let span = &spans[s];
                for &r in &span.readings {
                    let reading = &self.readings[r as usize];
                    let prior = self.prior(reading, group, span);
                    match index.get(&reading.place) {
                        Some(&i) => {
                            if prior > candidates[i].1 {
                                candidates[i].1 = prior;
                                readings.insert(reading.place, r);
                            }
                        }
                        None => {
                            if prior > -1.0 {
                                index.insert(reading.place, candidates.len());
                                candidates.push((reading.place, prior));
                                readings.insert(reading.place, r);
                            }
                        }
                    }
                }
            }
            group.candidates = candidates;
            group.readings = readings;
        }
        // How many names have a reading in each admin-1 region: among readings of equal prior
        // ("Franklin County" in two dozen states) the ones the document's other names share
        // are kept when the list is cut.
        let mut names_in_region: FastMap<i32, usize> = FastMap::default();
        for group in groups.iter() {
            let mut areas: FastSet<i32> = FastSet::default();
            for &r in group.readings.values() {
                areas.insert(self.readings[r as usize].admin1);
            }
            for area in areas {
                *names_in_region.entry(area).or_insert(0) += 1;
            }
        }
        for group in groups.iter_mut() {
            if group.candidates.len() > 1 {
                let shared = |place: u32| -> usize {
                    let r = group.readings[&place];
                    names_in_region.get(&self.readings[r as usize].admin1).copied().unwrap_or(0)
                };
                let mut candidates = std::mem::take(&mut group.candidates);
                candidates.sort_by(|a, b| {
                    let by_prior = b.1.partial_cmp(&a.1).expect("no NaN");
                    by_prior.then_with(|| shared(b.0).cmp(&shared(a.0)))
                });
                let floor = candidates[0].1 - MAX_PRIOR_GAP;
                candidates.truncate(MAX_CANDIDATES);
                candidates.retain(|&(_, v)| v >= floor);
                group.candidates = candidates;
            }
        }
        self.pair_bonuses(&chars, &mut spans, &group_of_span, &mut groups);
        for group in groups.iter_mut() {
            let first = &spans[group.spans[0]];
            let mut added = Vec::new();
            for &(place, _) in &group.bonus {
                if weight_of(&group.candidates, place).is_none() {
                    if let Some(&r) = group.readings.get(&place) {
                        added.push((place, self.prior(&self.readings[r as usize], group, first)));
                    }
                }
            }
            group.candidates.extend(added);
        }
        self.resolve(&mut groups, false);
        self.resolve(&mut groups, true);

        let mut out = Vec::new();
        for g in self.supported(&mut groups, min_confidence) {
            let group = &groups[g];
            let choice = match group.choice {
                Some(choice) => choice,
                None => continue,
            };
            let chosen = self.reading_of(group, choice);
            if chosen.kind == BORDER {
                for &s in &group.spans {
                    let span = &spans[s];
                    out.push(Row { start: span.start, end: span.end, place: choice, confidence: group.confidence, mode: 2, key: span.key });
                }
                continue;
            }
            if group.country_only {
                for &s in &group.spans {
                    let span = &spans[s];
                    out.push(Row { start: span.start, end: span.end, place: choice, confidence: group.country_confidence, mode: 1, key: span.key });
                }
                continue;
            }
            for &s in &group.spans {
                let span = &spans[s];
                let (mut place, mut confidence) = (choice, group.confidence);
                if !span.pair.is_empty() && !span.pair.iter().any(|(p, _)| *p == choice) {
                    // "Alexandria, Va." after "Alexandria, La.": this occurrence's own partner
                    let mut best: Option<(u32, f64)> = None;
                    for &(p, bonus) in &span.pair {
                        let value = weight_of(&group.candidates, p).unwrap_or(0.0) + bonus;
                        if best.map_or(true, |(_, v)| value > v) {
                            best = Some((p, value));
                        }
                    }
                    let (p, _) = best.expect("pair is not empty");
                    let bonus = span.pair.iter().find(|(q, _)| *q == p).expect("in pair").1;
                    let value = weight_of(&group.candidates, p).unwrap_or(0.0) + bonus + 0.3;
                    place = p;
                    confidence = if value < 0.99 { value } else { 0.99 };
                }
                out.push(Row { start: span.start, end: span.end, place, confidence, mode: 0, key: span.key });
            }
        }
        out.sort_by_key(|row| row.start);
        for row in out.iter_mut() {
            row.confidence = round3(row.confidence);
        }
        out
    }

    fn pair_bonuses(
        &self,
        chars: &[char],
        spans: &mut [Span],
        group_of_span: &[usize],
        groups: &mut [Group],
    ) {
        for left in 0..spans.len().saturating_sub(1) {
            let right = left + 1;
            let gap = &chars[spans[left].end..spans[right].start];
            let is_gap = |s: &str| gap.iter().copied().eq(s.chars());
            if !(is_gap(", ") || is_gap(",") || is_gap(" in ") || is_gap(", in ")) {
                continue;
            }
            let mut bonuses: Vec<(u32, u32)> = Vec::new();
            for &r in &spans[left].readings {
                let reading = &self.readings[r as usize];
                for &o in &spans[right].readings {
                    let other = &self.readings[o as usize];
                    if (other.kind == ADMIN1 && reading.admin1 == other.admin1)
                        || (other.kind == COUNTRY && reading.country == other.country)
                    {
                        bonuses.push((reading.place, other.place));
                    }
                }
            }
            for (left_place, right_place) in bonuses {
                raise(&mut groups[group_of_span[left]].bonus, left_place, 0.5);
                raise(&mut groups[group_of_span[right]].bonus, right_place, 0.45);
                set(&mut spans[left].pair, left_place, 0.5);
                set(&mut spans[right].pair, right_place, 0.45);
            }
        }
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

#[pymodule]
fn riskmap_geocore(_py: Python<'_>, module: &PyModule) -> PyResult<()> {
    module.add_class::<Core>()?;
    Ok(())
}
