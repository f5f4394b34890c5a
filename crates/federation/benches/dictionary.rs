//! The dictionary attack on plainly hashed phone numbers, timed once over
//! a whole 10,000,000-number mobile range (+855 12 xxxxxxx) on one core:
//! 1,000 numbers of the range are hashed as a hashed sharing list would
//! publish them, and every one is recovered by trying the range.

use std::time::Instant;

use cordon_federation::dictionary::{Range, digest, reverse};

fn main() {
    let range = Range {
        prefix: "85512",
        digits: 7,
    };
    let planted: Vec<String> = (0..1_000u64)
        .map(|i| range.number((i * 9_973 + 17) % range.size()))
        .collect();
    let digests: Vec<String> = planted.iter().map(|n| digest(n)).collect();
    // The last number of the range, so the attack must try all of it.
    let mut digests = digests;
    digests.push(digest(&range.number(range.size() - 1)));
    let started = Instant::now();
    let found = reverse(&digests, range);
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        found.len(),
        digests.len(),
        "every hashed number is recovered"
    );
    println!(
        "dictionary attack: {} SHA-256 digests of phone numbers reversed by trying all {} numbers of +85512xxxxxxx in {seconds:.1} s on one core ({:.1} million hashes/s)",
        digests.len(),
        range.size(),
        range.size() as f64 / seconds / 1e6
    );
}
