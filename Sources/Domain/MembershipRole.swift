/// The role a person holds in a body.
public enum MembershipRole: String, Sendable, CaseIterable, Equatable {
    case chair
    case viceChair = "vice-chair"
    case member
    case secretariat
    case commissioner
}
