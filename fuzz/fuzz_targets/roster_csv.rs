//! Any bytes as each of the four roster files: the reader and the row checks must answer
//! with row errors, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in sweep::import::RosterFiles::NAMES {
        let errors = sweep::import::check_file(name, Box::new(std::io::Cursor::new(data.to_vec())));
        assert!(errors.rows <= errors.errors && errors.shown.len() as u64 <= errors.errors);
        for error in errors.shown {
            // Every problem is located: a line, and a sentence to show.
            assert!(error.line >= 1 && !error.to_string().is_empty());
        }
    }
});
