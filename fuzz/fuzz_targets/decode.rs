//! One frame of any link type: the first two bytes pick the link type, the
//! rest is the frame.
#![no_main]

use hirundo_fuzz::exercise_frame;
use hirundo_packet::LinkType;
use libfuzzer_sys::fuzz_target;

/// Every supported link type, then a few that must be refused. The seeds
/// index this list (see make_seeds.py).
const LINKS: [u32; 14] = [
    0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105, 127, 239, 147,
];

fuzz_target!(|data: &[u8]| {
    let [a, b, frame @ ..] = data else {
        return;
    };
    let pick = u16::from_be_bytes([*a, *b]);
    // Mostly the listed types; from 0xFF00 up, any link number below 256.
    let link = match LINKS.get(usize::from(pick)) {
        Some(&l) => l,
        None if pick >= 0xFF00 => u32::from(pick & 0xFF),
        None => LINKS[usize::from(pick) % LINKS.len()],
    };
    exercise_frame(LinkType(link), 0, frame.len() as u32, frame);
});
