//! Chrome trace-event JSON (Perfetto, chrome://tracing): reading and writing.
