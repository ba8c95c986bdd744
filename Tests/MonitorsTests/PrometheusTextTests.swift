import Monitors
import XCTest

final class PrometheusTextTests: XCTestCase {
    // MARK: Whole expositions

    func testNodeExporterLikeExposition() throws {
        let families = try PrometheusText.parse(nodeExporterLike)
        XCTAssertEqual(families.map(\.name), [
            "go_gc_duration_seconds", "go_goroutines", "go_info", "go_memstats_heap_sys_bytes",
            "node_boot_time_seconds", "node_cpu_seconds_total", "node_filesystem_avail_bytes", "node_disk_info",
            "node_hwmon_temp_celsius", "node_netstat_Tcp_ActiveOpens", "node_textfile_mtime_seconds",
            "http_request_duration_seconds", "node_exporter_build_info", "promhttp_metric_handler_requests_total",
        ])
        let byName = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0) })

        let gc = try XCTUnwrap(byName["go_gc_duration_seconds"])
        XCTAssertEqual(gc.type, .summary)
        XCTAssertEqual(gc.help, "A summary of the pause duration of garbage collection cycles.")
        XCTAssertEqual(gc.samples.count, 7)
        XCTAssertEqual(gc.samples[2], PromSample(name: "go_gc_duration_seconds",
                                                 labels: [PromLabel(name: "quantile", value: "0.5")], value: 4.2e-05))
        XCTAssertEqual(gc.samples.last, PromSample(name: "go_gc_duration_seconds_count", value: 87))

        let cpu = try XCTUnwrap(byName["node_cpu_seconds_total"])
        XCTAssertEqual(cpu.type, .counter)
        XCTAssertEqual(cpu.samples.count, 8)
        XCTAssertEqual(cpu.samples[1].labels, [PromLabel(name: "cpu", value: "0"), PromLabel(name: "mode", value: "iowait")])
        XCTAssertEqual(cpu.samples[1].value, 26.65)

        XCTAssertEqual(byName["go_memstats_heap_sys_bytes"]?.samples.first?.value, 3_833_856)
        XCTAssertEqual(byName["node_boot_time_seconds"]?.samples.first?.value, 1_796_311_628)

        let fs = try XCTUnwrap(byName["node_filesystem_avail_bytes"])
        XCTAssertEqual(fs.samples[1].labels, [
            PromLabel(name: "device", value: #"C:\data"#),
            PromLabel(name: "fstype", value: "ntfs"),
            PromLabel(name: "mountpoint", value: "/mnt/\"quoted\"\nnext"),
        ])
        XCTAssertEqual(byName["node_disk_info"]?.samples.first?.labels.map(\.value), ["vda", "254", "0", "", "", "", "", ""])
        XCTAssertTrue(try XCTUnwrap(byName["node_hwmon_temp_celsius"]?.samples.first?.value).isNaN)
        XCTAssertEqual(byName["node_netstat_Tcp_ActiveOpens"]?.type, .untyped)

        let textfile = try XCTUnwrap(byName["node_textfile_mtime_seconds"])
        XCTAssertEqual(textfile.help, "Unixtime mtime of textfiles successfully read.\nOne line per file, in C:\\textfiles.")
        XCTAssertEqual(textfile.samples.first?.timestampMs, 1_700_000_000_000)
        XCTAssertNil(fs.samples.first?.timestampMs)

        let http = try XCTUnwrap(byName["http_request_duration_seconds"])
        XCTAssertEqual(http.type, .histogram)
        XCTAssertEqual(http.samples.count, 14)
        XCTAssertEqual(Set(http.samples.map(\.name)), [
            "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
        ])

        let build = try XCTUnwrap(byName["node_exporter_build_info"])
        XCTAssertEqual(build.type, .untyped)
        XCTAssertNil(build.help)
        XCTAssertEqual(byName["promhttp_metric_handler_requests_total"]?.samples.map(\.value), [12, 0, 0])
    }

    func testPythonClientOutput() throws {
        let families = try PrometheusText.parse(pythonClientOutput)
        XCTAssertEqual(families.map(\.name), [
            "reqs_total", "reqs_created", "lat_seconds", "lat_seconds_created", "sz", "sz_created", "g", "build_info", "st",
        ])
        XCTAssertEqual(families.map(\.type), [.counter, .gauge, .histogram, .gauge, .summary, .gauge, .gauge, .gauge, .gauge])
        XCTAssertEqual(families[0].help, "Requests \"total\"\nnewline \\ back")
        XCTAssertEqual(families[0].samples, [
            PromSample(name: "reqs_total", labels: [PromLabel(name: "path", value: "/a\"b\\c\nd")], value: 3),
        ])
        XCTAssertEqual(families[2].samples.count, 17)
        XCTAssertEqual(families[2].samples[15], PromSample(name: "lat_seconds_count", value: 2))
        XCTAssertEqual(families[4].samples.map(\.name), ["sz_count", "sz_sum"])
        XCTAssertTrue(families[6].samples[0].value.isNaN)
    }

    func testEmptyAndCommentOnlyInputs() throws {
        XCTAssertEqual(try PrometheusText.parse("").count, 0)
        XCTAssertEqual(try PrometheusText.parse("\n\n   \n\t\n").count, 0)
        XCTAssertEqual(try PrometheusText.parse("# just a comment\n#\n#HELP foo not metadata without a blank\n# HELPER foo\n").count, 0)
    }

    func testFinalLineWithoutNewline() throws {
        let families = try PrometheusText.parse("a 1\nb 2")
        XCTAssertEqual(families.map(\.name), ["a", "b"])
        XCTAssertEqual(families[1].samples.first?.value, 2)
    }

    func testWhitespaceBetweenTokens() throws {
        let text = "  \t# TYPE\tfoo \t gauge \t\n   foo \t{ a = \"1\" ,\tb=\"2\" , }   3 \t 123 \t\nbar{} 4\nbaz{x=\"y\"}5\n"
        let families = try PrometheusText.parse(text)
        XCTAssertEqual(families.map(\.name), ["foo", "bar", "baz"])
        XCTAssertEqual(families[0].type, .gauge)
        XCTAssertEqual(families[0].samples, [
            PromSample(name: "foo", labels: [PromLabel(name: "a", value: "1"), PromLabel(name: "b", value: "2")],
                       value: 3, timestampMs: 123),
        ])
        XCTAssertEqual(families[1].samples, [PromSample(name: "bar", value: 4)])
        XCTAssertEqual(families[2].samples.first?.value, 5, "a value may follow '}' directly, as in Prometheus' lexer")
    }

    func testTrailingCommaInLabelSet() throws {
        let families = try PrometheusText.parse("m{a=\"1\",} 1\n")
        XCTAssertEqual(families[0].samples[0].labels, [PromLabel(name: "a", value: "1")])
    }

    func testNamesWithColonsAndUnderscores() throws {
        let families = try PrometheusText.parse("job:http_requests:rate5m{_private=\"x\",A9=\"y\"} 1\n_x 2\n")
        XCTAssertEqual(families.map(\.name), ["job:http_requests:rate5m", "_x"])
        XCTAssertEqual(families[0].samples[0].labels.map(\.name), ["_private", "A9"])
        XCTAssertThrowsError(try PrometheusText.parse("m{a:b=\"1\"} 1")) // ':' is for metric names only
    }

    func testLabelValueEscapes() throws {
        let families = try PrometheusText.parse(#"m{a="back\\slash",b="q\"uote",c="new\nline",d="é ✓ {}=,# \\n"} 1"#)
        XCTAssertEqual(families[0].samples[0].labels.map(\.value), ["back\\slash", "q\"uote", "new\nline", "é ✓ {}=,# \\n"])
    }

    func testHelpText() throws {
        let families = try PrometheusText.parse(#"""
        # HELP a Text with \\ and \n and \"quotes\" and "raw quotes".
        # HELP b
        # HELP c   leading blanks are separators
        c 1
        """#)
        XCTAssertEqual(families.map(\.help), ["Text with \\ and \n and \"quotes\" and \"raw quotes\".", "", "leading blanks are separators"])
        XCTAssertEqual(families.map(\.samples.count), [0, 0, 1])
    }

    func testFloatValues() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("42", 42), ("007", 7), ("+3", 3), ("-1.5", -1.5), ("1e3", 1000), ("1E-3", 0.001),
            ("2.5e+2", 250), (".5", 0.5), ("5.", 5), ("123456789012345678", 123_456_789_012_345_680),
            ("0.1", 0.1), ("1.7976931348623157e308", .greatestFiniteMagnitude), ("1e-400", 0),
            ("+Inf", .infinity), ("-Inf", -.infinity), ("Inf", .infinity), ("inf", .infinity), ("INF", .infinity),
            ("+infinity", .infinity), ("-Infinity", -.infinity),
        ]
        for (text, expected) in cases {
            let value = try PrometheusText.parse("m \(text)")[0].samples[0].value
            XCTAssertEqual(value, expected, text)
            XCTAssertEqual(value.sign, expected.sign, text)
        }
        for text in ["NaN", "nan", "NAN"] {
            XCTAssertTrue(try PrometheusText.parse("m \(text)")[0].samples[0].value.isNaN, text)
        }
    }

    func testFloatValuesRoundLikeStrtod() throws {
        // The parser converts most decimals itself (Clinger's fast path); Swift's conversion
        // rounds correctly, so both must agree bit for bit on every syntax and magnitude.
        var rng = SplitMix64(seed: 0x5EED)
        var lines: [String] = []
        for i in 0..<3_000 {
            let digits = String((0..<Int(1 + rng.next() % 19)).map { _ in Character(String(rng.next() % 10)) })
            let point = Int(rng.next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") && rng.next() % 2 == 0 { text = "0" + text }
            if text.hasSuffix("."), rng.next() % 2 == 0 { text.removeLast() }
            if rng.next() % 3 == 0 { text += "e\(Int(rng.next() % 61) - 30)" }
            if rng.next() % 4 == 0 { text = "-" + text }
            lines.append("m\(i) \(text)")
        }
        let families = try PrometheusText.parse(lines.joined(separator: "\n"))
        for (line, family) in zip(lines, families) {
            let text = String(line.split(separator: " ")[1])
            let expected = try XCTUnwrap(Double(text), text)
            XCTAssertEqual(family.samples[0].value.bitPattern, expected.bitPattern, text)
        }
    }

    func testInvalidFloatValues() {
        // Go's ParseFloat refuses these, or Prometheus does (hex, '_'): so must we.
        for text in ["0x10", "0x1p3", "1_000", "1p3", "+NaN", "-nan", "1e", "e5", "--1", ".", "1.2.3", "Infin", "infinit",
                     "1,5", "½", "1e+", "0b1", "true"] {
            XCTAssertThrowsError(try PrometheusText.parse("m \(text)"), text) { error in
                XCTAssertEqual((error as? PromParseError)?.column, 3, text)
            }
        }
    }

    func testTimestamps() throws {
        let cases: [(String, Int64)] = [("0", 0), ("1395066363000", 1_395_066_363_000), ("-5", -5), ("+7", 7),
                                        ("9223372036854775807", .max), ("-9223372036854775808", .min)]
        for (text, expected) in cases {
            XCTAssertEqual(try PrometheusText.parse("m 1 \(text)")[0].samples[0].timestampMs, expected, text)
        }
    }

    func testConsecutiveSamplesKeepTheirOwnNamesAndLabels() throws {
        // Consecutive samples share Strings where their bytes repeat; nothing may leak between them.
        let families = try PrometheusText.parse(#"""
        m{a="1",b="2"} 1
        m{b="1",a="2"} 2
        m{a="1"} 3
        m{a="x\ny",b="2",c="3"} 4
        n{a="x\ny"} 5
        foo 6
        foob 7
        foo:x 8
        fo 9
        """#)
        XCTAssertEqual(families.map(\.name), ["m", "n", "foo", "foob", "foo:x", "fo"])
        XCTAssertEqual(families[0].samples.map(\.labels), [
            [PromLabel(name: "a", value: "1"), PromLabel(name: "b", value: "2")],
            [PromLabel(name: "b", value: "1"), PromLabel(name: "a", value: "2")],
            [PromLabel(name: "a", value: "1")],
            [PromLabel(name: "a", value: "x\ny"), PromLabel(name: "b", value: "2"), PromLabel(name: "c", value: "3")],
        ])
        XCTAssertEqual(families[1].samples[0].labels, [PromLabel(name: "a", value: "x\ny")])
        XCTAssertEqual(families.dropFirst(2).map { $0.samples.map(\.value) }, [[6], [7], [8], [9]])
    }

    func testCounterAcceptsTotalSuffixUnderItsType() throws {
        // Prometheus files foo_total under "# TYPE foo counter" (OpenMetrics-style naming).
        let families = try PrometheusText.parse("# TYPE foo counter\nfoo_total{a=\"1\"} 1\nfoo{a=\"2\"} 2\n")
        XCTAssertEqual(families.count, 1)
        XCTAssertEqual(families[0].samples.map(\.name), ["foo_total", "foo"])
    }

    func testSamplesWithoutTypeAreTheirOwnUntypedFamilies() throws {
        let families = try PrometheusText.parse("x_bucket{le=\"1\"} 1\nx_sum 1\nx_count 1\nx 3\n")
        XCTAssertEqual(families.map(\.name), ["x_bucket", "x_sum", "x_count", "x"])
        XCTAssertEqual(Set(families.map(\.type)), [.untyped])
    }

    func testHistogramAndSummaryGrouping() throws {
        let families = try PrometheusText.parse("""
        # TYPE h histogram
        h_bucket{le="1"} 1
        h_bucket{le="+Inf"} 2
        h_sum 3
        h_count 2
        h_bucket{x="a",le="+Inf"} 0
        h_count{x="a"} 0
        # TYPE s summary
        s{quantile="0.99"} 5
        s_sum 6
        s_count 7
        h_total 8
        """)
        XCTAssertEqual(families.map(\.name), ["h", "s", "h_total"])
        XCTAssertEqual(families[0].samples.count, 6)
        XCTAssertEqual(families[1].samples.map(\.name), ["s", "s_sum", "s_count"])
        XCTAssertEqual(families[2].type, .untyped)
    }

    func testHistogramCountMayPrecedeBuckets() throws {
        XCTAssertNoThrow(try PrometheusText.parse("# TYPE h histogram\nh_count 2\nh_sum 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"))
    }

    func testFamilyWithoutSamplesIsKept() throws {
        let families = try PrometheusText.parse("# HELP unused Declared but never observed.\n# TYPE unused counter\n# TYPE used gauge\nused 1\n")
        XCTAssertEqual(families.map(\.name), ["unused", "used"])
        XCTAssertEqual(families[0].type, .counter)
        XCTAssertEqual(families[0].help, "Declared but never observed.")
        XCTAssertTrue(families[0].samples.isEmpty)
    }

    func testHelpMayFollowTypeAndSamples() throws {
        let families = try PrometheusText.parse("# TYPE a gauge\n# HELP a first\na 1\nb 2\n# HELP b late help\n")
        XCTAssertEqual(families.map(\.help), ["first", "late help"])
        XCTAssertEqual(families[1].samples.count, 1)
    }

    func testLinesAtTheSizeLimitAreAccepted() throws {
        let prefix = "m{a=\""
        let suffix = "\"} 1"
        let filler = String(repeating: "x", count: PrometheusText.maxLineBytes - prefix.utf8.count - suffix.utf8.count)
        let families = try PrometheusText.parse(prefix + filler + suffix + "\n")
        XCTAssertEqual(families[0].samples[0].labels[0].value.utf8.count, filler.utf8.count)
    }

    func testErrorDescription() {
        XCTAssertEqual(PromParseError(line: 3, column: 7, message: "boom").description, "line 3, column 7: boom")
    }

    // MARK: Errors

    func testSyntaxErrorsCarryLineAndColumn() {
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            ("1foo 1", 1, 1, "expected a metric name, a comment or a blank line, found '1'"),
            ("{a=\"1\"} 1", 1, 1, "expected a metric name"),
            ("foo-bar 1", 1, 4, "unexpected '-' after metric name; expected '{' or a blank"),
            ("foo", 1, 4, "expected a value after \"foo\""),
            ("ok 1\nfoo{a=\"1\"}   ", 2, 14, "expected a value after \"foo\""),
            ("foo{1a=\"x\"} 1", 1, 5, "expected a label name or '}'"),
            ("foo{a\"x\"} 1", 1, 6, "expected '=' after label name \"a\""),
            ("foo{a=x} 1", 1, 7, "expected '\"' to start the value of label \"a\""),
            ("foo{a=\"x} 1", 1, 7, "unterminated label value"),
            ("foo{a=\"x\\\"} 1", 1, 7, "unterminated label value"),
            ("foo{a=\"\\t\"} 1", 1, 8, "invalid escape sequence \\t in label value; only \\\\, \\\" and \\n are allowed"),
            ("foo{a=\"\\u0041\"} 1", 1, 8, "invalid escape sequence \\u"),
            ("foo{a=\"1\" b=\"2\"} 1", 1, 11, "expected ',' or '}' after the value of label \"a\""),
            ("foo{a=\"1\"", 1, 10, "expected ',' or '}' after the value of label \"a\""),
            ("foo{,} 1", 1, 5, "expected a label name or '}'"),
            ("foo{a=\"1\",,} 1", 1, 11, "expected a label name or '}'"),
            ("foo{a=\"1\",a=\"2\"} 1", 1, 11, "duplicate label name \"a\""),
            ("foo abc", 1, 5, "invalid value \"abc\"; expected a float"),
            ("foo 1e400", 1, 5, "value \"1e400\" is out of range of a 64-bit float"),
            ("foo{a=\"é\"} x", 1, 12, "invalid value \"x\""), // columns count characters, not bytes
            ("foo 1 1.5", 1, 7, "invalid timestamp \"1.5\"; expected an integer number of milliseconds"),
            ("foo 1 9223372036854775808", 1, 7, "invalid timestamp"),
            ("foo 1 2 3", 1, 9, "unexpected text after the timestamp; expected end of line"),
            ("foo 1\r\nbar 2\n", 1, 6, "carriage return at end of line"),
        ]
        for c in cases { assertParseError(c.text, line: c.line, column: c.column, c.message) }
    }

    func testMetadataErrors() {
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            ("# TYPE foo bar", 1, 12, "unknown metric type \"bar\"; expected counter, gauge, histogram, summary or untyped"),
            ("# TYPE foo Counter", 1, 12, "unknown metric type \"Counter\""),
            ("# TYPE foo", 1, 11, "expected a metric type after \"foo\""),
            ("# TYPE foo gauge extra", 1, 18, "unexpected text after the metric type"),
            ("# HELP", 1, 7, "expected a metric name after HELP"),
            ("# TYPE 9foo gauge", 1, 8, "expected a metric name after TYPE"),
            ("# TYPE foo-bar gauge", 1, 11, "unexpected '-' in metric name after TYPE"),
            ("# HELP foo bad \\x escape", 1, 16, "invalid escape sequence \\x in HELP text"),
            ("# HELP foo trailing \\", 1, 21, "backslash at the end of the HELP text"),
            ("# HELP foo a\n# HELP foo b", 2, 8, "second HELP line for \"foo\" (the first is on line 1)"),
            ("# TYPE foo gauge\n# TYPE foo gauge", 2, 8, "second TYPE line for \"foo\" (the first is on line 1)"),
            ("foo 1\n# TYPE foo gauge", 2, 8, "TYPE line for \"foo\" after its samples (the first is on line 1)"),
            ("# TYPE a gauge\na 1\nb 1\n# HELP a again", 4, 8, "HELP line for \"a\", whose family already ended (it started on line 1)"),
            ("# TYPE c counter\nc_total 1\n# TYPE c_total counter", 3, 8, "TYPE line for \"c_total\" after samples of that name"),
        ]
        for c in cases { assertParseError(c.text, line: c.line, column: c.column, c.message) }
    }

    func testFamilyErrors() {
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            ("a 1\nb 1\na 2", 3, 1, "\"a\" reappears after other families"),
            ("# TYPE a gauge\nb 1\na 2", 3, 1, "\"a\" reappears after other families; its family started on line 1"),
            ("a{x=\"1\"} 1\na{x=\"1\"} 2", 2, 1, "duplicate series a{x=\"1\"} (first on line 1)"),
            ("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1", 2, 1, "duplicate series a{y=\"2\",x=\"1\"}"),
            ("a 1\na 1 1000", 2, 1, "duplicate series a "),
            ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nx 1\nh_sum 2", 5, 1,
             "\"h_sum\" belongs to the histogram family \"h\" (line 1)"),
            ("# TYPE s summary\ns_count 1\nx 1\n# TYPE s_sum gauge", 4, 8, "\"s_sum\" belongs to the summary family \"s\""),
            ("h_sum 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 2", 4, 1,
             "\"h_sum\" already appeared as a family of its own on line 1"),
        ]
        for c in cases { assertParseError(c.text, line: c.line, column: c.column, c.message) }
    }

    func testHistogramErrors() {
        let h = "# TYPE h histogram\n"
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            (h + "h_bucket 1", 2, 1, "histogram bucket \"h_bucket\" has no \"le\" label"),
            (h + "h_bucket{le=\"abc\"} 1", 2, 14, "le=\"abc\" is not a float"),
            (h + "h_bucket{le=\"NaN\"} 1", 2, 14, "le=\"NaN\" is not a float"),
            (h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 1", 3, 14,
             "bucket le=\"0.5\" is not above the previous bucket's le=\"1\"; buckets must be in increasing order"),
            (h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1", 3, 14, "bucket le=\"1.0\" is not above"),
            (h + "h_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4", 3, 21,
             "cumulative count 4.0 of bucket le=\"+Inf\" is below the previous bucket's 5.0"),
            (h + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n# TYPE g gauge", 4, 1, "histogram \"h\" has no le=\"+Inf\" bucket"),
            (h + "h_bucket{a=\"x\",le=\"+Inf\"} 1\nh_bucket{a=\"y\",le=\"1\"} 1", 3, 1,
             "histogram \"h\"{a=\"y\"} has no le=\"+Inf\" bucket"),
            (h + "h_sum 1\nh_count 1", 3, 1, "histogram \"h\" has no le=\"+Inf\" bucket"),
            (h + "h_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 4", 4, 9,
             "h_count is 4.0 but the le=\"+Inf\" bucket is 3.0; they must be equal"),
            (h + "h_count 4\nh_bucket{le=\"+Inf\"} 3", 3, 21, "le=\"+Inf\" bucket is 3.0 but h_count is 4.0"),
            (h + "h 1", 2, 1, "sample \"h\" in histogram family \"h\"; expected h_bucket, h_sum or h_count"),
            (h + "h_sum{le=\"1\"} 1", 2, 7, "\"le\" label on \"h_sum\"; only h_bucket samples take it"),
        ]
        for c in cases { assertParseError(c.text, line: c.line, column: c.column, c.message) }
    }

    func testSummaryErrors() {
        let s = "# TYPE s summary\n"
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            (s + "s 1", 2, 1, "summary sample \"s\" has no \"quantile\" label"),
            (s + "s{quantile=\"x\"} 1", 2, 13, "quantile=\"x\" is not a float between 0 and 1"),
            (s + "s{quantile=\"1.5\"} 1", 2, 13, "quantile=\"1.5\" is not a float between 0 and 1"),
            (s + "s{quantile=\"-0.1\"} 1", 2, 13, "quantile=\"-0.1\""),
            (s + "s{quantile=\"NaN\"} 1", 2, 13, "quantile=\"NaN\""),
            (s + "s_count{quantile=\"0.5\"} 1", 2, 9, "\"quantile\" label on \"s_count\"; only s samples take it"),
        ]
        for c in cases { assertParseError(c.text, line: c.line, column: c.column, c.message) }
        XCTAssertNoThrow(try PrometheusText.parse(s + "s{quantile=\"0\"} 1\ns{quantile=\"1\"} 1\ns{quantile=\"1e-1\"} 1\n"))
    }

    func testSizeGuards() {
        let long = "m{a=\"" + String(repeating: "y", count: PrometheusText.maxLineBytes) + "\"} 1"
        assertParseError("ok 1\n" + long + "\n", line: 2, column: 1,
                         "line is \(long.utf8.count) bytes, over the limit of 65536")
        let huge = String(repeating: "# padding padding padding padding padding padding\n", count: PrometheusText.maxExpositionBytes / 50 + 1)
        XCTAssertGreaterThan(huge.utf8.count, PrometheusText.maxExpositionBytes)
        assertParseError(huge, line: 1, column: 1, "exposition is \(huge.utf8.count) bytes, over the limit of 33554432")
    }

    // MARK: Size

    /// A node_exporter-sized page (2,000 lines) parses whole: every line is a sample, HELP or TYPE.
    /// (Parse time is not asserted here: speed figures belong in bench/.)
    func testParsesANodeExporterSizedExposition() throws {
        let text = syntheticExposition(lines: 2_000)
        XCTAssertGreaterThan(text.utf8.count, 90_000)
        let families = try PrometheusText.parse(text)
        XCTAssertEqual(families.reduce(0) { $0 + $1.samples.count } + families.count * 2,
                       text.split(separator: "\n").count)
    }
}

func assertParseError(_ text: String, line: Int, column: Int, _ message: String,
                      file: StaticString = #filePath, testLine: UInt = #line) {
    do {
        let families = try PrometheusText.parse(text)
        XCTFail("parsed without error (\(families.count) families): \(text.debugDescription)", file: file, line: testLine)
    } catch {
        XCTAssertEqual(error.line, line, "line of \(error) for \(text.prefix(120).debugDescription)", file: file, line: testLine)
        XCTAssertEqual(error.column, column, "column of \(error) for \(text.prefix(120).debugDescription)", file: file, line: testLine)
        XCTAssertTrue(error.message.contains(message), "\(error.message.debugDescription) lacks \(message.debugDescription)",
                      file: file, line: testLine)
    }
}

/// A small deterministic generator, so a failing random case reproduces.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
