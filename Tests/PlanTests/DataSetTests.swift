import Testing
@testable import Plan

@Suite struct DataSetTests {
    @Test func readsTheRepositoryCorpus() throws {
        let spec = DataSetSpec(name: "s", file: "plans/data/sentences.csv", format: .csv)
        let table = try DataSetFile.read(spec, baseDirectory: repositoryRoot).get()
        #expect(table.columns == ["text", "emotion", "length", "lang"])
        #expect(table.rows.count >= 27)
        #expect(table.rows.allSatisfy { $0.count == 4 })
        // Quoted fields keep their commas; Mandarin survives.
        #expect(table.rows.contains { $0[0].hasPrefix("The train to the airport leaves from platform four, every") })
        #expect(table.rows.contains { $0[0] == "早上好。" && $0[1] == "happy" && $0[3] == "zh" })
        let emotions = Set(table.rows.map { $0[1] })
        #expect(emotions == Set(TTSFields.knownEmotions))
        #expect(Set(table.rows.map { $0[2] }) == ["short", "medium", "long"])
    }

    @Test func readsTheAdversarialCorpus() throws {
        let spec = DataSetSpec(name: "a", file: "plans/data/adversarial.csv", format: .csv)
        let table = try DataSetFile.read(spec, baseDirectory: repositoryRoot).get()
        let texts = table.rows.map { $0[0] }
        #expect(texts.contains { $0.count > 4096 })
        #expect(texts.contains { !$0.isEmpty && $0.allSatisfy(\.isWhitespace) })
        #expect(texts.contains { $0.contains("\n") })
        #expect(texts.contains { $0.unicodeScalars.contains { $0.properties.isEmojiPresentation } })
    }

    @Test func linesFilesSkipEmptyLinesOnly() {
        let table = DataSetFile.lines("one\n\n  \r\ntwo\r\n", variable: "t")
        #expect(table.columns == ["t"])
        #expect(table.rows == [["one"], ["  "], ["two"]])
    }

    @Test func refusesBadCSV() {
        func message(_ text: String) -> String? {
            if case .failure(let f) = DataSetFile.csv(text, delimiter: ",", file: "x.csv") { return f.message }
            return nil
        }
        #expect(message("a,b\n1,2,3\n")?.contains("row 1 has 3 fields, the header has 2") == true)
        #expect(message("a,a\n1,2\n")?.contains("'a' appears twice") == true)
        #expect(message("my col,b\n1,2\n")?.contains("not a variable name") == true)
        #expect(message("a,b\n1,2\n\n3,4\n") == nil)
    }
}
