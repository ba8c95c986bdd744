import Testing

/// Every suite of this target, run one test at a time: the loopback timing test needs a quiet
/// machine (5 ms tolerances), and corpus making and fuzzing are the CPU-heavy parts. Serially the
/// whole target still takes a few seconds.
@Suite(.serialized) struct AudioAnalysisTests {}
