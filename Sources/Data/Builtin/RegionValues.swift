import Platform

/// Territories of ICU's region data with the continent that contains them (UN M.49).
enum RegionValues {
    struct Territory: Sendable { let code: String; let continent: String }

    static let continentNames: [String: String] = ["002": "africa", "019": "americas", "142": "asia", "150": "europe", "009": "oceania"]

    static let continentLabels: [LabelSpec] = [
        ("africa", "a country or territory in Africa"),
        ("americas", "a country or territory in North, Central or South America or the Caribbean"),
        ("asia", "a country or territory in Asia"),
        ("europe", "a country or territory in Europe"),
        ("oceania", "a country or territory in Oceania, Australia or the Pacific islands"),
    ].map { LabelSpec(name: $0.0, description: $0.1) }

    static func key(_ code: String) -> String { "region:\(code)" }

    /// Every territory with a continent, sorted by code.
    static func territories() throws -> [Territory] {
        try RegionData.available(type: RegionData.territoryType).sorted().compactMap { code in
            guard let c = try RegionData.containing(code, type: RegionData.continentType), let name = continentNames[c] else { return nil }
            return Territory(code: code, continent: name)
        }
    }
}
