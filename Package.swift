// swift-tools-version:6.0
import PackageDescription

/// One set of compiler settings for every Swift target, so a rule is not forgotten in one place.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Flourish",
    products: [
        .executable(name: "flourish", targets: ["flourish"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        .target(name: "Engine", dependencies: ["SQLite", "CSystem"], swiftSettings: swiftSettings),
        .target(name: "Domain", dependencies: ["Engine", "SQLite"], swiftSettings: swiftSettings),
        .target(name: "Services", dependencies: ["Domain", "Engine", "SQLite", "CSystem"], swiftSettings: swiftSettings),
        .target(name: "ArgumentParsing", swiftSettings: swiftSettings),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .target(name: "HTTPServer", dependencies: ["CSystem"], swiftSettings: swiftSettings),
        .target(name: "WebApp", dependencies: ["HTTPServer", "Services", "Domain", "Engine", "SQLite"], path: "Web", exclude: ["static", "README.md"], swiftSettings: swiftSettings),
        // The benchmark harness: drives scratch partnerships and reaches the engine and the
        // database through the services' Harness SPI, to measure them. The front doors never do.
        .target(name: "Benchmarks", dependencies: ["Services", "Engine", "SQLite", "Domain", "HTTPServer", "WebApp", "CSystem"], swiftSettings: swiftSettings),
        .executableTarget(name: "flourish", dependencies: ["Services", "ArgumentParsing", "WebApp", "HTTPServer", "Benchmarks"], path: "CLI", swiftSettings: swiftSettings),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: swiftSettings),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "SQLite"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Engine", "SQLite"], swiftSettings: swiftSettings),
        .testTarget(name: "ServicesTests", dependencies: ["Services", "Domain", "Engine"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ArgumentParsingTests", dependencies: ["ArgumentParsing"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "WebAppTests", dependencies: ["WebApp", "HTTPServer", "Services", "Engine"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["flourish"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
