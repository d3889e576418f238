public enum DistroError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownDistro(id: String, idLike: [String])
    case unknownFamily(String)

    public var description: String {
        let families = DistroFamily.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .unknownDistro(let id, let like):
            let likeText = like.isEmpty ? "no ID_LIKE" : "ID_LIKE=\"\(like.joined(separator: " "))\""
            return "unknown distro: /etc/os-release says ID=\"\(id)\" and \(likeText); "
                + "if it builds its trust bundle like one of the known families, pass --distro FAMILY (one of: \(families))"
        case .unknownFamily(let name):
            return "unknown distro family \"\(name)\"; use one of: \(families)"
        }
    }
}
