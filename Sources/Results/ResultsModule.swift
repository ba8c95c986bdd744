/// The results stage of the data path: the Sample type, the JTL writer and reader,
/// per-second HdrHistogram aggregates and the SQLite store.
/// Filled by the engine and results issues; the namespace exists so the module layout is final.
public enum ResultsModule {}
