//! Heap allocations made by the token decoder, counted by a global allocator.
//!
//! A decoded [`VppToken`] owns four strings: the credential, the inner token, the
//! organization name and the expiry text. Decoding a real token file makes exactly those
//! four allocations, each of its final size, and no temporary one. Counts, not times, are
//! asserted, so this is stable on any machine.
//!
//! Counting is per thread (a thread-local switch), so other tests running in parallel
//! threads do not disturb it.
//!
//! Its own test binary, outside the areas in `tests/<area>/`: a `#[global_allocator]`
//! replaces the allocator of the whole process it is linked into.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use apple_vpp::VppToken;
use apple_vpp::chrono::DateTime;

const V2_PRETTY: &str = include_str!("fixtures/v2_pretty.vpptoken");
const LEGACY_COMPACT: &str = include_str!("fixtures/legacy_compact.vpptoken");

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static REALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn counting() -> bool {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    ON.try_with(Cell::get).unwrap_or(false)
}

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>, by: usize) {
    let _ = counter.try_with(|c| c.set(c.get() + by));
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are thread-local
// cells, which neither allocate nor lock.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            bump(&ALLOCS, 1);
            bump(&BYTES, layout.size());
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if counting() {
            bump(&ALLOCS, 1);
            bump(&BYTES, layout.size());
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            bump(&REALLOCS, 1);
            bump(&BYTES, new_size.saturating_sub(layout.size()));
        }
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            bump(&FREES, 1);
        }
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What the allocator saw while `f` ran on this thread.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    allocs: usize,
    reallocs: usize,
    frees: usize,
    bytes: usize,
}

fn count<T>(f: impl FnOnce() -> T) -> (T, Counts) {
    for c in [&ALLOCS, &REALLOCS, &FREES, &BYTES] {
        c.with(|c| c.set(0));
    }
    ON.with(|on| on.set(true));
    let out = f();
    ON.with(|on| on.set(false));
    let get = |c: &'static std::thread::LocalKey<Cell<usize>>| c.with(Cell::get);
    let counts = Counts {
        allocs: get(&ALLOCS),
        reallocs: get(&REALLOCS),
        frees: get(&FREES),
        bytes: get(&BYTES),
    };
    (out, counts)
}

/// Bytes of the four strings a token owns.
fn owned_bytes(t: &VppToken) -> usize {
    t.expose_credential().len()
        + t.expose_inner_token().len()
        + t.org_name().len()
        + t.file_expiry_as_written().len()
}

/// Exactly one allocation per owned string, each of its final size (the total equals the
/// sum of the lengths, and none can be smaller), nothing reallocated or freed.
#[track_caller]
fn assert_exactly_owned(input: &[u8]) -> VppToken {
    let (token, counts) = count(|| VppToken::from_bytes(input).unwrap());
    let want = Counts {
        allocs: 4,
        reallocs: 0,
        frees: 0,
        bytes: owned_bytes(&token),
    };
    assert_eq!(counts, want, "{token:?}");
    token
}

fn wrap(text: &str, width: usize, newline: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join(newline) + newline
}

#[test]
fn decoding_allocates_only_what_the_token_owns() {
    // Apple's samples, as files are uploaded.
    let v2 = assert_exactly_owned(V2_PRETTY.as_bytes());
    assert_exactly_owned(LEGACY_COMPACT.as_bytes());

    // Surrounding whitespace, a byte-order mark and missing padding add nothing.
    let bom = format!("\u{feff}\r\n  {}  \r\n", V2_PRETTY.trim_end_matches('='));
    assert_eq!(assert_exactly_owned(bom.as_bytes()), v2);

    // Line-wrapped Base64 is joined straight into the credential's buffer: still exactly
    // four allocations, no temporary joined copy.
    for (width, newline) in [(64, "\n"), (76, "\r\n"), (1, " ")] {
        let wrapped = wrap(V2_PRETTY, width, newline);
        assert_eq!(assert_exactly_owned(wrapped.as_bytes()), v2);
    }

    // Dropping the token frees exactly those four allocations.
    let ((), counts) = count(|| drop(v2));
    assert_eq!(
        counts,
        Counts {
            allocs: 0,
            reallocs: 0,
            frees: 4,
            bytes: 0
        }
    );
}

#[test]
fn oversized_json_uses_one_temporary_buffer() {
    // Decoded JSON over 2 KiB (far beyond real files) does not fit the decoder's stack
    // buffer: one temporary heap buffer, freed before returning, on top of the four.
    let expiry = DateTime::parse_from_rfc3339("2030-11-08T22:33:22+00:00").unwrap();
    let file = VppToken::builder("é".repeat(1500), expiry)
        .build()
        .unwrap()
        .expose_credential()
        .to_owned();
    let (token, counts) = count(|| VppToken::from_bytes(file.as_bytes()).unwrap());
    assert!(token.org_name().len() > 2048);
    assert_eq!(counts.allocs, 5, "{counts:?}");
    assert_eq!(counts.reallocs, 0, "{counts:?}");
    assert_eq!(counts.frees, 1, "{counts:?}");
    assert!(counts.bytes > owned_bytes(&token) + 2048, "{counts:?}");
}
