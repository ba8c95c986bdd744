/// The folder part of a path, as `NSString.deletingLastPathComponent` gives it (`a/b` -> `a`,
/// `/a` -> `/`, `a` -> ``, trailing slashes ignored). Written out because swift-corelibs-foundation's
/// version crashes (SIGILL) on some one-character paths (`r`, `x`; Swift 6.3.1), which made
/// `--out r` kill the tool. Lives in Plan, the module every other one builds on.
public func parentDirectory(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    if slash == p.startIndex { return "/" }
    var parent = p[..<slash]
    while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
    return String(parent)
}
