/// The role a person holds in a body.
public enum MembershipRole: String, Sendable, CaseIterable, Equatable {
    case chair
    case viceChair = "vice-chair"
    case member
    case secretariat
    case commissioner

    /// The role as people say it: "vice chair", "member".
    public var inWords: String { rawValue.replacingOccurrences(of: "-", with: " ") }
}
