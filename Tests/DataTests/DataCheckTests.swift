import Foundation
import Testing
import Data
import Platform

/// The same validation `polyglot data check` runs, over every spec in tasks/ against the shared data.
@Suite struct DataCheckTests {
    static let registry = try! TaskRegistry.load(directory: TestPaths.tasks, languages: TestPaths.languageRegistry)

    @Test(arguments: registry.names)
    func specPassesDataCheck(name: String) throws {
        let spec = try #require(Self.registry[name])
        let summary = try DataCheck.run(task: spec, tasks: Self.registry, languages: TestPaths.languageRegistry, dataRoot: TestPaths.dataRoot)
        #expect(!summary.splits.isEmpty)
        for s in summary.splits { #expect(s.examples > 0, "\(name) \(s.language) \(s.split)") }
        switch name {
        case "ud-pos":
            #expect(summary.splits.first { $0.language == "en" && $0.split == .train }?.examples == 12_544)
        case "ud-pos-pud":
            #expect(summary.splits.allSatisfy { $0.examples == 1000 } && summary.splits.count == 10)
        case "uner-pud":
            #expect(summary.splits.map(\.language).sorted() == ["de", "en", "zh"] && summary.splits.allSatisfy { $0.examples == 1000 && $0.split == .test })
        case "sib200":
            #expect(summary.splits.filter { $0.split == .train }.allSatisfy { $0.examples == 701 })
            #expect(summary.splits.first { $0.language == "en" && $0.split == .train }?.labelCounts.count == 7)
        case "tatoeba":
            #expect(summary.splits.count == 20)
        case "xquad":
            // article_split: articles 0..<36, 36..<42, 42..<48 of every language's file.
            #expect(summary.splits.count == 21)
            let counts: [Split: Int] = [.train: 925, .dev: 138, .test: 127]
            for s in summary.splits { #expect(s.examples == counts[s.split], "xquad \(s.language) \(s.split)") }
        case "xcopa":
            #expect(summary.splits.count == 14)
            for s in summary.splits {
                let expected = s.language == "en" ? (s.split == .train ? 500 : 100) : (s.split == .dev ? 100 : 500)
                #expect(s.examples == expected, "xcopa \(s.language) \(s.split)")
            }
            #expect(summary.splits.first { $0.language == "zh" && $0.split == .test }?.labelCounts == ["0": 250, "1": 250])
        case "cldr-dates-month":
            #expect(summary.splits.allSatisfy { $0.examples == spec.builtin!.sizes[$0.split] })
        default: break
        }
    }
}
