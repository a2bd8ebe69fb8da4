//! Every reader on arbitrary and mutated bytes, a few thousand cases each (the long
//! runs are the `taskscope-fuzz` binary's: see docs/robustness.md), and every input a
//! fuzz run ever broke a reader with (`fuzz/regressions/<target>/`).

use std::path::Path;

use proptest::prelude::*;
use taskscope_fuzz::mutate::mutate;
use taskscope_fuzz::runner::read_corpus;
use taskscope_fuzz::{Rng, Target};

fn corpus(target: Target) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target.name());
    let seeds = read_corpus(&dir).unwrap();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        for target in Target::ALL {
            target.run(&data);
        }
    }

    #[test]
    fn mutated_seeds_never_panic(seed in any::<u64>()) {
        let mut rng = Rng::new(seed);
        for target in Target::ALL {
            let seeds = corpus(target);
            let words = target.dictionary();
            let base = &seeds[rng.below(seeds.len())];
            target.run(&mutate(base, &seeds, &words, &mut rng));
        }
    }
}

#[test]
fn seeds_read_as_expected() {
    for target in Target::ALL {
        for seed in corpus(target) {
            let outcome = target.run(&seed);
            // Budget seeds include wrong ones on purpose; file seeds all read.
            if target != Target::Budget {
                assert!(outcome.starts_with("ok"), "{}: {outcome}", target.name());
            }
        }
    }
}

#[test]
fn inputs_that_once_broke_a_reader_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for target in Target::ALL {
        let dir = root.join(target.name());
        let Ok(inputs) = read_corpus(&dir) else {
            continue;
        };
        for data in inputs {
            target.run(&data);
        }
    }
}
