import Foundation
import Platform

/// Dotted form of a coding path: `tasks.0.train_languages`.
func dottedKey(_ path: [CodingKey]) -> String {
    path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
}
