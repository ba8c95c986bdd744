import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// Why Foundation's XMLParser (FoundationXML on Linux) and not XMLCoder: a .jmx is not a record
// shape that Codable maps well. Each test element is followed by a sibling `<hashTree>` holding
// its children, properties are `<stringProp name="...">` lists keyed by an attribute, and element
// names are Java class names (`kg.apc.jmeter.threads.SteppingThreadGroup`). A small element tree,
// paired up afterwards, reads every such file the same way and keeps each element's line for
// error messages and the import report, which a decoder would lose. It adds no dependency.

/// One XML element of a .jmx file: its name, attributes, child elements, text and the line it
/// starts on.
public final class JMXElement: @unchecked Sendable {
    public let name: String
    public let attributes: [String: String]
    public internal(set) var children: [JMXElement] = []
    public internal(set) var text = ""
    /// 1-based line of the element's start tag.
    public let line: Int

    init(name: String, attributes: [String: String], line: Int) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }

    /// `testname`, JMeter's name shown in its tree (the element name when there is none).
    public var testName: String { attributes["testname"] ?? name }
    /// `enabled="false"` turns an element and everything under it off.
    public var isEnabled: Bool { attributes["enabled"] != "false" }
}

/// A test element of the plan with the elements of its `<hashTree>` (JMeter's tree, as in its GUI).
public struct JMXNode: Sendable {
    public let element: JMXElement
    public let children: [JMXNode]
    /// Test names from the root down to this element (`Test Plan/TTS users/POST speech`).
    public let path: [String]

    public var pathText: String { path.joined(separator: "/") }
}

/// A .jmx that cannot be read at all (not XML, not a JMeter plan, too large): the import stops.
public struct JMXReadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let path: String?
    public let message: String

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let path, !path.isEmpty { place += ": \(path)" }
        return "\(place): \(message)"
    }
}

/// Reads a .jmx into `JMXNode`s.
public enum JMXReader {
    /// A plan is a few hundred kilobytes; larger files are refused before parsing.
    public static let maxBytes = 32 * 1024 * 1024
    /// Deeper nesting than this is not a plan anyone wrote; it bounds the recursion.
    static let maxDepth = 400

    /// The test plan's root nodes (normally one `TestPlan`) from the file at `path`.
    public static func read(path: String) throws(JMXReadError) -> [JMXNode] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let data = FileManager.default.contents(atPath: path) else {
            throw JMXReadError(file: path, line: nil, path: nil, message: "cannot read the file (missing or not readable)")
        }
        if let size = attributes[.size] as? Int, size > maxBytes {
            throw JMXReadError(file: path, line: nil, path: nil, message: "over \(maxBytes / 1_048_576) MiB: not a JMeter plan")
        }
        return try parse(data: data, file: path)
    }

    /// Parses .jmx bytes; `file` only names the source in errors.
    public static func parse(data: Data, file: String) throws(JMXReadError) -> [JMXNode] {
        guard data.count <= maxBytes else {
            throw JMXReadError(file: file, line: nil, path: nil, message: "over \(maxBytes / 1_048_576) MiB: not a JMeter plan")
        }
        // JMeter never writes a DOCTYPE; refusing it keeps entity expansion (and external entities)
        // out of the parser altogether.
        if let range = data.range(of: Data("<!DOCTYPE".utf8)) {
            let line = data[..<range.lowerBound].reduce(1) { $1 == 10 ? $0 + 1 : $0 }
            throw JMXReadError(file: file, line: line, path: nil, message: "a DOCTYPE is not allowed in a .jmx (JMeter writes none)")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if builder.failure == nil, let open = builder.stack.last {
            builder.failure = "<\(open.name)> opened on line \(open.line) is never closed: not well-formed XML (a truncated file?)"
            builder.failureLine = parser.lineNumber
        }
        if !ok || builder.failure != nil {
            let line = builder.failureLine ?? parser.lineNumber
            let why = builder.failure ?? parser.parserError.map { "not well-formed XML (\(($0 as NSError).localizedDescription))" } ?? "not well-formed XML"
            throw JMXReadError(file: file, line: line, path: builder.openPath, message: why)
        }
        guard let root = builder.root else { throw JMXReadError(file: file, line: 1, path: nil, message: "the file is empty") }
        guard root.name == "jmeterTestPlan" else {
            throw JMXReadError(file: file, line: root.line, path: root.name, message: "the root element is <\(root.name)>, not <jmeterTestPlan>: not a JMeter plan")
        }
        guard let top = root.children.first(where: { $0.name == "hashTree" }) else {
            throw JMXReadError(file: file, line: root.line, path: "jmeterTestPlan", message: "no <hashTree> under <jmeterTestPlan>: an empty plan")
        }
        return try pair(top, parentPath: [], file: file)
    }

    /// Pairs each test element of a `<hashTree>` with the `<hashTree>` that follows it.
    static func pair(_ tree: JMXElement, parentPath: [String], file: String) throws(JMXReadError) -> [JMXNode] {
        var nodes: [JMXNode] = []
        var index = 0
        let items = tree.children
        while index < items.count {
            let element = items[index]
            if element.name == "hashTree" {
                throw JMXReadError(file: file, line: element.line, path: parentPath.joined(separator: "/"),
                                   message: "a <hashTree> that follows no test element")
            }
            let path = parentPath + [element.testName]
            var children: [JMXNode] = []
            if index + 1 < items.count, items[index + 1].name == "hashTree" {
                children = try pair(items[index + 1], parentPath: path, file: file)
                index += 2
            } else {
                index += 1
            }
            nodes.append(JMXNode(element: element, children: children, path: path))
        }
        return nodes
    }

    /// Builds the element tree from parser events, with each start tag's line.
    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: JMXElement?
        var stack: [JMXElement] = []
        var failure: String?
        var failureLine: Int?

        var openPath: String { stack.map { $0.attributes["testname"] ?? $0.name }.joined(separator: "/") }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            guard stack.count < JMXReader.maxDepth else {
                failure = "nested deeper than \(JMXReader.maxDepth) elements"
                failureLine = parser.lineNumber
                parser.abortParsing()
                return
            }
            let element = JMXElement(name: elementName, attributes: attributeDict, line: parser.lineNumber)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        // FoundationXML on Linux lets a mismatched or missing end tag through; checked here.
        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard failure == nil else { return }
            guard let open = stack.last, open.name == elementName else {
                failure = stack.last.map { "</\(elementName)> closes <\($0.name)> opened on line \($0.line): not well-formed XML" }
                    ?? "</\(elementName)> closes nothing: not well-formed XML"
                failureLine = parser.lineNumber
                parser.abortParsing()
                return
            }
            stack.removeLast()
        }

        func parserDidEndDocument(_ parser: XMLParser) {
            if failure == nil, let open = stack.last {
                failure = "<\(open.name)> opened on line \(open.line) is never closed: not well-formed XML (a truncated file?)"
                failureLine = parser.lineNumber
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}

/// Reading JMeter properties (`<stringProp name="...">`, `<elementProp>`, `<collectionProp>`).
extension JMXElement {
    private static let valueProps: Set<String> = ["stringProp", "intProp", "longProp", "boolProp", "doubleProp", "floatProp"]

    /// The child property element called `name`, of any kind.
    public func property(_ name: String) -> JMXElement? {
        children.first { $0.attributes["name"] == name }
    }

    /// The text of the scalar property `name` (nil when absent).
    public func string(_ name: String) -> String? {
        guard let p = property(name), Self.valueProps.contains(p.name) else { return nil }
        return p.text
    }

    /// A boolean property; `default` when absent or empty.
    public func bool(_ name: String, default value: Bool = false) -> Bool {
        guard let s = string(name)?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return value }
        return s.lowercased() == "true"
    }

    /// The `<elementProp name=...>` child.
    public func elementProp(_ name: String) -> JMXElement? {
        children.first { $0.name == "elementProp" && $0.attributes["name"] == name }
    }

    /// The items of the `<collectionProp name=...>` child (empty when absent).
    public func collection(_ name: String) -> [JMXElement] {
        children.first { $0.name == "collectionProp" && $0.attributes["name"] == name }?.children ?? []
    }
}
