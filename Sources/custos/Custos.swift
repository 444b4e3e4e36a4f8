import CustosCLI

@main
struct Custos {
    static func main() async {
        await CustosCommand.main(nil)
    }
}
