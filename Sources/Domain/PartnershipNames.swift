public import Engine
public import SQLite

/// The partnership's names for the keys its records hold, for what people read: an
/// organisation's name, a group's or board's name, a person's name, a FLOURISH area's or
/// priority's name. Keys stay in the data, the JSON and the URLs.
public struct PartnershipNames: DisplayNames {
    /// Framework keys (areas, priorities) to their names.
    let frameworkNames: [String: String]
    /// The partnership's districts and kinds of organisation, key to name.
    let districtNames: [String: String]
    let kindNames: [String: String]

    public init(framework: Framework?, partnership: Partnership? = nil) {
        var names: [String: String] = [:]
        for area in framework?.areas ?? [] { names[area.key] = area.name }
        for priority in framework?.priorities ?? [] { names[priority.key] = priority.name }
        frameworkNames = names
        districtNames = Dictionary((partnership?.districts ?? []).map { ($0.key, $0.name) }, uniquingKeysWith: { first, _ in first })
        kindNames = Dictionary((partnership?.organisationKinds ?? []).map { ($0.key, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The fields that hold people's ids.
    static let personFields: Set<String> = ["owner", "raisedBy", "planOwner", "decidedBy", "contacts", "person", "actor", "acceptedBy", "recordedBy", "respondedBy", "sentBy"]

    public func name(of field: String, value: String, db: Connection) throws -> String? {
        switch field {
        case "organisation":
            return try db.queryOne("SELECT name FROM organisations WHERE key = ?", value)?.string("name")
        case "group", "body", "parentBody", "raisedAt", "fromBody", "acceptedAt":
            return try db.queryOne("SELECT name FROM bodies WHERE key = ?", value)?.string("name")
        case "areas", "area", "priorities", "priority":
            return frameworkNames[value]
        case "district":
            return value == "outside" ? "Outside the partnership's area" : districtNames[value]
        case "kind":
            return kindNames[value]
        case _ where Self.personFields.contains(field):
            return try db.queryOne("SELECT name FROM people WHERE id = ? AND erased_at IS NULL", value)?.string("name")
        default:
            return nil
        }
    }
}
