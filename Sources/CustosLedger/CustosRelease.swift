/// The release of this build, which bundles and tools name as their generator.
public enum CustosRelease {
    public static let version = "0.1.0"
}
