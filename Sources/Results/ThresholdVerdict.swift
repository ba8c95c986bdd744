/// How a run kept the plan's thresholds: each threshold judged where its scope says (the run, a
/// step, each step), the steps x thresholds grid, the last step within every threshold, and what
/// stopped the run early (an abort, `stop_when`). Written into summary.json as `verdict`, shown by
/// the terminal and the dashboard, and turned into JUnit XML. Made by the `Thresholds` module.
public struct ThresholdVerdict: Codable, Sendable, Equatable {
    /// One threshold's verdict.
    public struct Judged: Codable, Sendable, Equatable {
        /// As written in the plan.
        public var expression: String
        /// `run`, `step 3` or `each step`.
        public var judgedOn: String
        /// The figure in the metric's base unit (seconds, a fraction, a plain number); nil when
        /// there was nothing to judge (no sample, the step not reached), which fails.
        public var value: Double?
        /// The value as shown: `1.84 s`, `0.4 %`, `12.5`.
        public var shown: String
        public var passed: Bool
        /// Why there is no value, or which steps broke an `each step` threshold.
        public var note: String?
        /// Set by `abort: true`.
        public var abort: Bool

        public init(expression: String, judgedOn: String, value: Double?, shown: String, passed: Bool, note: String?, abort: Bool) {
            self.expression = expression
            self.judgedOn = judgedOn
            self.value = value
            self.shown = shown
            self.passed = passed
            self.note = note
            self.abort = abort
        }
    }

    /// One cell of the grid: a threshold judged on one step's hold; nil where it does not apply.
    public struct Cell: Codable, Sendable, Equatable {
        public var value: Double?
        public var shown: String
        public var passed: Bool

        public init(value: Double?, shown: String, passed: Bool) {
            self.value = value
            self.shown = shown
            self.passed = passed
        }
    }

    /// One step's hold of one thread group, judged against every threshold.
    public struct StepRow: Codable, Sendable, Equatable {
        public var group: String
        public var step: Int
        /// `step 3: 100 users`.
        public var name: String
        public var level: Double
        /// False when the run ended before this step's hold began.
        public var ran: Bool
        /// Parallel to `thresholds`.
        public var cells: [Cell?]

        public init(group: String, step: Int, name: String, level: Double, ran: Bool, cells: [Cell?]) {
            self.group = group
            self.step = step
            self.name = name
            self.level = level
            self.ran = ran
            self.cells = cells
        }
    }

    /// The last step of a thread group within every threshold.
    public struct Within: Codable, Sendable, Equatable {
        public var group: String
        /// nil: not even the first step.
        public var step: Int?
        public var level: Double?
        /// `within every threshold up to step 2 (50 users)`.
        public var text: String

        public init(group: String, step: Int?, level: Double?, text: String) {
            self.group = group
            self.step = step
            self.level = level
            self.text = text
        }
    }

    /// What ended the run before its schedule did.
    public struct Stop: Codable, Sendable, Equatable {
        /// `abort` (a threshold with abort: true failed) or `stop_when`.
        public var kind: String
        public var expression: String
        /// Seconds from the start of the load.
        public var atSeconds: Double
        public var value: Double?
        /// The step judged, for `stop_when`: its name and number.
        public var step: String?
        public var stepIndex: Int?
        /// One line: `abort: error_rate < 20% failed for 5 s (error_rate 87.5 % at 41 s)`.
        public var text: String

        public init(kind: String, expression: String, atSeconds: Double, value: Double?, step: String?, stepIndex: Int? = nil,
                    text: String) {
            self.kind = kind
            self.stepIndex = stepIndex
            self.expression = expression
            self.atSeconds = atSeconds
            self.value = value
            self.step = step
            self.text = text
        }
    }

    /// Every threshold passed.
    public var passed: Bool
    public var thresholds: [Judged]
    public var steps: [StepRow]
    public var within: [Within]
    /// One line for a human: `3 of 4 thresholds passed; within every threshold up to step 2 (50 users)`.
    public var answer: String
    public var stop: Stop?

    public init(passed: Bool, thresholds: [Judged], steps: [StepRow], within: [Within], answer: String, stop: Stop?) {
        self.passed = passed
        self.thresholds = thresholds
        self.steps = steps
        self.within = within
        self.answer = answer
        self.stop = stop
    }
}
