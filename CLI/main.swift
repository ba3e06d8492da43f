import Foundation

// The admin CLI. Exit 0 on success, 1 when a request is refused or invalid, 2 on a usage error.
let status = FlourishCLI.run(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(status)
