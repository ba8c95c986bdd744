/// The report stage: the self-contained HTML dashboard, the comparison page and terminal tables.
/// It only reads Results. Filled by the results-and-dashboard issue.
public enum ReportModule {}
