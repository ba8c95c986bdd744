import Foundation
import Yams

/// `targets: {a: ..., b: ...}`: an A/B run (docs/ab.md).
extension PlanDecoder {
    /// One side: `URL`, `embedded`, or `{url, server_args}`.
    func decodeSideTarget(_ cursor: Cursor) -> SideTarget? {
        var urlCursor = cursor
        var argsCursor: Cursor?
        if case .mapping = cursor.node {
            guard let m = reader.mapping(cursor, allowed: ["url", "server_args"], what: "a URL, embedded, or {url, server_args}"),
                  let c = m.required("url", what: "'embedded' or an http(s):// address")
            else { return nil }
            urlCursor = c
            argsCursor = m["server_args"]
        }
        guard let url = reader.string(urlCursor, what: "'embedded' or an http(s):// address") else { return nil }
        let location: Target.Location
        if url == "embedded" {
            location = .embedded
        } else if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false {
            location = .url(url.hasSuffix("/") ? String(url.dropLast()) : url)
        } else {
            reader.error(urlCursor, "expected 'embedded' or an http:// or https:// URL with a host, got '\(url.prefix(60))'")
            return nil
        }
        var serverArgs: [String] = []
        if let c = argsCursor {
            serverArgs = reader.sequence(c, what: "a list of `ttsload server` flags")?.compactMap { reader.string($0) } ?? []
            if location != .embedded { reader.error(c, "server_args applies only to url: embedded", preferKey: true) }
        }
        return SideTarget(location: location, serverArgs: serverArgs)
    }

    /// The two sides; side a defaults to `target.url` (with `target.server_args`), so
    /// `--set targets.b=URL` (`ttsload run --target-b URL`) makes any plan an A/B run.
    func decodeTargets(_ cursor: Cursor, target: Target?, targetHasURL: Bool, top: MappingReader) -> ABTargets? {
        guard let m = reader.mapping(cursor, allowed: ["a", "b"], what: "{a: URL, b: URL} (each may be {url: embedded, server_args: [...]})")
        else { return nil }
        let b = m.required("b", what: "the second side: a URL, embedded, or {url, server_args}").flatMap(decodeSideTarget)
        var a: SideTarget?
        if let c = m["a"] {
            if targetHasURL, let t = top["target"] {
                reader.error(c, "side a is given twice, here and by target.url (\(reader.location(of: t, preferKey: true))): drop one", preferKey: true)
            }
            a = decodeSideTarget(c)
        } else if let target, targetHasURL {
            a = SideTarget(location: target.location, serverArgs: target.serverArgs)
        } else {
            reader.error(cursor, "missing 'a' (the first side): give targets.a or target.url", preferKey: true)
        }
        guard let a, let b else { return nil }
        return ABTargets(a: a, b: b)
    }

    /// Names that would be read as a side's: a group or label of an A/B plan must not end with ` [a]` or ` [b]`.
    /// A group whose `request.url` (or `request.websocket.url`) names a whole address would send both sides to it, so it is refused too.
    func checkSideNames(_ groups: [ThreadGroup], cursors: [Cursor]) {
        for (group, cursor) in zip(groups, cursors) {
            if group.request.url != nil {
                reader.error(cursor, "thread group '\(group.name)' gives request.url, one address for both sides of an A/B run: use request.path, which each side puts after its own target",
                             preferKey: true)
            }
            if group.request.websocket?.url != nil {
                reader.error(cursor, "thread group '\(group.name)' gives request.websocket.url, one address for both sides of an A/B run: use websocket.path, which each side puts after its own target",
                             preferKey: true)
            }
            for name in [group.name, group.request.label].compactMap({ $0 }) where ABSide.split(name) != nil {
                reader.error(cursor, "'\(name)' ends like a side's name (' [a]', ' [b]'): in an A/B run the sides add that suffix themselves; rename it",
                             preferKey: true)
            }
        }
    }
}
