import Foundation
import Platform

/// A per-scalar rewrite (identity, removal or a replacement sequence), tabulated for the Basic
/// Multilingual Plane once per normalizer configuration (`NormalizerTables`) so the hot loop does one array load per scalar; scalars
/// above U+FFFF are computed on demand.
final class ScalarMap: Sendable {
    /// 0 = unchanged, 1 = removed, 2 = replaced (see `replacements`).
    private let kinds: [UInt8]
    private let replacements: [UInt32: [UInt32]]
    private let rule: @Sendable (UInt32) -> [UInt32]?

    /// `rule` returns nil when the scalar is unchanged.
    init(_ rule: @escaping @Sendable (UInt32) -> [UInt32]?) {
        self.rule = rule
        var kinds = [UInt8](repeating: 0, count: 0x10000)
        var replacements: [UInt32: [UInt32]] = [:]
        for c in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(c) {
            if let r = rule(c) {
                if r.isEmpty { kinds[Int(c)] = 1 } else { kinds[Int(c)] = 2; replacements[c] = r }
            }
        }
        self.kinds = kinds
        self.replacements = replacements
    }

    @inline(__always)
    func isIdentity(_ c: UInt32) -> Bool {
        c < 0x10000 ? kinds[Int(c)] == 0 : rule(c) == nil
    }

    /// Appends the rewrite of `c` through `emit`.
    @inline(__always)
    func apply(_ c: UInt32, _ emit: (UInt32) -> Void) {
        if c < 0x10000 {
            switch kinds[Int(c)] {
            case 0: emit(c)
            case 1: return
            default: for r in replacements[c]! { emit(r) }
            }
        } else if let r = rule(c) {
            for x in r { emit(x) }
        } else {
            emit(c)
        }
    }

    // Shared rules.

    /// Full lowercase of one scalar without context, as Rust's `char::to_lowercase` (no final sigma).
    static func lowercase(_ c: UInt32) -> [UInt32]? {
        guard let s = Unicode.Scalar(c) else { return nil }
        if c < 0x80 { return (c >= 0x41 && c <= 0x5A) ? [c + 32] : nil }
        let simple = UnicodeProperties.lowercased(s)
        let full = (try? UnicodeProperties.lowercased(String(Character(s)))) ?? String(Character(simple))
        let out = full.unicodeScalars.map(\.value)
        return out == [c] ? nil : out
    }

    /// Canonical decomposition without nonspacing marks (general category Mn = 6 in ICU).
    static func stripAccents(_ c: UInt32) -> [UInt32]? {
        guard c >= 0x80, let s = Unicode.Scalar(c) else { return nil }
        let nfd = ((try? UnicodeNormalizer.normalize(scalar: s, form: .nfd)) ?? String(Character(s))).unicodeScalars
        let out = nfd.filter { UnicodeProperties.generalCategory($0) != 6 }.map(\.value)
        return out == [c] ? nil : out
    }
}

/// Tables built once per process for each normalizer configuration: a table costs one rule call per
/// BMP scalar (ICU calls each), and a process may load many tokenizers (every checkpoint an evaluation
/// reads, every tokenizer.json a fuzz run parses) with a handful of distinct configurations among them.
final class NormalizerTables<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var built: [Key: Value] = [:]

    func value(for key: Key, _ make: () -> Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value = built[key] { return value }
        let value = make()
        built[key] = value
        return value
    }
}
