import ArgumentParser
import Foundation
import Report

/// How a comparison is judged and shown: shared by `ttsload compare` and `ttsload run --compare-to`.
struct CompareOptions: ParsableArguments {
    @Option(name: .customLong("tolerance"), parsing: .singleValue,
            help: ArgumentHelp("Change needed before a metric can be a regression or improvement, e.g. p95=10% (repeatable; "
                               + "metrics rps, p50, p90, p95, p99, errors (points), ttfa, rtf, audio, latency, all; defaults in docs/compare.md).",
                               valueName: "metric=value"))
    var rawTolerances: [String] = []

    @Flag(help: "Exit 1 when anything is inconclusive, not only on a regression.")
    var strict = false

    @Flag(help: "List unchanged and n/a metrics too in the terminal table.")
    var all = false

    @Option(help: ArgumentHelp("Colour in the terminal table: auto (on a terminal, unless NO_COLOR is set), always, never.",
                               valueName: "auto|always|never"))
    var color: ColorChoice = .auto

    enum ColorChoice: String, ExpressibleByArgument { case auto, always, never }

    var tolerances: Tolerances {
        get throws {
            var t = Tolerances.defaults
            for text in rawTolerances {
                do { try t.apply(text) } catch { throw ValidationError("--tolerance \(text): \(error)") }
            }
            return t
        }
    }

    func validate() throws { _ = try tolerances }

    var useColor: Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto: return isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }
}

/// Writes the HTML page when asked and prints the comparison; throws the verdict's exit status.
func finishComparison(_ comparison: Comparison, options: CompareOptions, format: CompareCommand.Format, html: String?) throws {
    if let html {
        do { try ComparisonPage.write(comparison, to: html) } catch {
            throw CommandFailure(.runtime, "cannot write \(html): \(error.localizedDescription)")
        }
    }
    switch format {
    case .text: print(ComparisonText.terminal(comparison, color: options.useColor, all: options.all), terminator: "")
    case .markdown: print(ComparisonText.markdown(comparison), terminator: "")
    case .json:
        do { print(try ComparisonJSON.encode(comparison, strict: options.strict), terminator: "") } catch {
            throw CommandFailure(.runtime, "cannot encode the comparison: \(error)")
        }
    }
    if let html, format == .text { print("comparison page: \(html)") }
    let code = comparison.exitCode(strict: options.strict)
    if code != 0 { throw CommandFailure(.negative) }
}
