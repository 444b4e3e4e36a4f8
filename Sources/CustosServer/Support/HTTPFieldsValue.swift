import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`, as `self[name]` gives it, without building a new string
    /// for the usual case of a field sent once (`self[name]` joins the values of every field
    /// of that name, allocating, even when there is one). The headers of every request
    /// (`Authorization`, `Content-Type`) are read this way.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            // A repeated field: the joined form, which no header read this way accepts.
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
