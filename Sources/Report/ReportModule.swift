/// The report stage: the self-contained HTML dashboard (`Dashboard`), later the comparison page,
/// and terminal tables (`RunText`, `ScheduleText`). It only reads Results.
public enum ReportModule {}
