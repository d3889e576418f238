extension Substring {
    /// Without leading and trailing spaces and tabs (not other white space: os-release(5) and
    /// `NO_PROXY` entries trim only these).
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
