/// Sample counts to microseconds without overflow: counts come from untrusted headers and byte
/// totals, and `samples * 1_000_000` alone would trap past about 9.2e12 samples.
enum SampleTime {
    static func micros(samples: Int64, rate: Int) -> Int64 {
        guard rate > 0, samples > 0 else { return 0 }
        let r = Int64(rate)
        let (whole, part) = samples.quotientAndRemainder(dividingBy: r)
        // Beyond ~290,000 years of audio the product overflows: saturate instead of trapping.
        let (wholeMicros, overflow) = whole.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? Int64.max / 2 : wholeMicros + part * 1_000_000 / r
    }
}
