#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| redraw_fuzz::harness::shapefile(data));
