//! The lucky draw (抽奖): one winner among the fans who may win, picked by a seed that
//! the room's screen shows and the draw's record keeps with the list it drew from.
//! Anyone with both re-runs `pick` and gets the same winner; nobody can choose the
//! seed after seeing the list (it is made at random when the draw is made).

/// The winner among `eligible` (user ids, any order) for `seed`: the list is sorted,
/// and the first 8 bytes of SHA-256("{seed}:{count}") pick a place in it.
#[cfg(feature = "ssr")]
pub fn pick(seed: &str, eligible: &[i64]) -> Option<i64> {
    use sha2::Digest;
    let mut sorted = eligible.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return None;
    }
    let digest = sha2::Sha256::digest(format!("{seed}:{}", sorted.len()).as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let place = u64::from_be_bytes(first) % sorted.len() as u64;
    sorted.get(place as usize).copied()
}

/// A new seed: 16 hex digits from the operating system's random source.
#[cfg(feature = "ssr")]
pub fn new_seed() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_list_give_the_same_winner_in_any_order() {
        let fans = [41, 7, 19, 3, 88];
        let winner = pick("5f2c9a0e1b7d3c44", &fans).expect("a winner");
        assert!(fans.contains(&winner));
        assert_eq!(pick("5f2c9a0e1b7d3c44", &[88, 3, 19, 7, 41, 41]), Some(winner), "order and repeats do not matter");
        assert_eq!(pick("anything", &[]), None);
        assert_eq!(pick("anything", &[12]), Some(12));
    }

    #[test]
    fn seeds_spread_the_win_over_everyone() {
        let fans: Vec<i64> = (1..=10).collect();
        let mut wins = [0u32; 10];
        for n in 0..5_000 {
            let winner = pick(&format!("seed-{n}"), &fans).unwrap();
            wins[(winner - 1) as usize] += 1;
        }
        assert!(wins.iter().all(|&w| (380..=620).contains(&w)), "each of 10 fans wins about 500 of 5,000: {wins:?}");
        assert_eq!(new_seed().len(), 16);
        assert_ne!(new_seed(), new_seed());
    }
}
