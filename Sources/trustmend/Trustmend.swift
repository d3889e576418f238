import ArgumentParser

@main
struct Trustmend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustmend",
        abstract: "Repairs image pulls that fail with 'x509: certificate signed by unknown authority'."
    )
}
