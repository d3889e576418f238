import FoundationEssentials
import Testing
@testable import TrustmendCore
import TrustmendTesting

@Suite struct AnchorSelectorTests {
    let debian = DistroProfile.profile(for: .debian)
    let rhel = DistroProfile.profile(for: .rhel)

    @Test func topCAIsTheSentRootWhenPresent() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate, t.root])
        #expect(try AnchorSelector(profile: debian).select(from: chain, now: TestChain.now).get() == [t.root])
    }

    @Test func topCAIsTheIntermediateWhenTheRootIsNotSent() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        #expect(try AnchorSelector(profile: debian).select(from: chain, now: TestChain.now).get() == [t.intermediate])
    }

    @Test func scrambledOrderStillFindsTheTop() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.root, t.intermediate])
        #expect(try AnchorSelector(profile: debian).select(from: chain, now: TestChain.now).get() == [t.root])
    }

    @Test func fullChainIsEveryCATopmostFirstNeverTheLeaf() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate, t.root])
        let anchors = try AnchorSelector(choice: .fullChain, profile: debian).select(from: chain, now: TestChain.now).get()
        #expect(anchors == [t.root, t.intermediate])
    }

    @Test func aLoneSelfSignedServerIsItsOwnRootOnDebian() throws {
        let s = try TestChain.selfSigned()
        #expect(!s.isCA && s.isSelfSigned)
        let chain = PeerChain(endpoint: try Endpoint(host: "selfsigned.test"), certificates: [s])
        #expect(try AnchorSelector(profile: debian).select(from: chain, now: TestChain.now).get() == [s])
    }

    @Test(arguments: [true, false])
    func aNonCASelfSignedServerIsRefusedOnP11KitFamilies(withBasicConstraints: Bool) throws {
        let s = try TestChain.selfSigned(basicConstraints: withBasicConstraints)
        let chain = PeerChain(endpoint: try Endpoint(host: "selfsigned.test"), certificates: [s])
        let result = AnchorSelector(profile: rhel).select(from: chain, now: TestChain.now)
        guard case .failure(.nonCAAnchorOnP11Kit(_, .rhel)) = result else {
            Issue.record("expected a p11-kit refusal, got \(result)")
            return
        }
        #expect("\(try #require(result.failureValue))".contains("registry route"))
        // The registry route's files are read by Go as they are: the same certificate is its anchor there.
        #expect(try AnchorSelector(profile: rhel, acceptsNonCA: true).select(from: chain, now: TestChain.now).get() == [s])
    }

    @Test func anOrdinaryLeafAloneIsNeverAnAnchor() throws {
        let t = try TestChain()
        let result = AnchorSelector(profile: debian).select(from: try t.chain([t.leaf]), now: TestChain.now)
        guard case .failure(.onlyLeaf) = result else {
            Issue.record("expected onlyLeaf, got \(result)")
            return
        }
    }

    /// Issue 16, item 7: the anchor lies on the leaf's issuance path. A CA the server sends that did not
    /// issue the leaf (stale, unrelated, an attacker's) is never chosen, not even when nothing else is:
    /// the refusal names the leaf's issuer and the likely cause, a missing intermediate.
    @Test(arguments: AnchorChoice.allCases)
    func aCAThatDidNotIssueTheLeafIsNeverAnAnchor(choice: AnchorChoice) throws {
        let t = try TestChain()
        let unrelated = try TestChain(name: "attacker.test").root
        let selector = AnchorSelector(choice: choice, profile: debian)
        let result = selector.select(from: try t.chain([t.leaf, unrelated]), now: TestChain.now)
        guard case .failure(let refusal) = result else {
            Issue.record("an unrelated CA was chosen: \(result)")
            return
        }
        #expect("\(refusal)".contains("CN=registry.test Test Intermediate CA") && "\(refusal)".contains("intermediate"), "\(refusal)")
        // Sent beside the real intermediate, it is left out of every choice.
        #expect(try selector.select(from: try t.chain([t.leaf, t.intermediate, unrelated]), now: TestChain.now).get() == [t.intermediate])
    }

    /// A CA with the issuer's name but another key did not issue the leaf: the issuance path is followed
    /// by signatures, not by names.
    @Test func aCAWithTheIssuersNameButAnotherKeyIsNotOnThePath() throws {
        let t = try TestChain()
        let impostor = try t.impostorIntermediate()
        #expect(impostor.subject == t.intermediate.subject)
        let result = AnchorSelector(profile: debian).select(from: try t.chain([t.leaf, impostor]), now: TestChain.now)
        guard case .failure = result else {
            Issue.record("an impostor CA was chosen: \(result)")
            return
        }
        #expect(try AnchorSelector(profile: debian).select(from: try t.chain([t.leaf, impostor, t.intermediate]), now: TestChain.now).get() == [t.intermediate])
    }

    @Test func pinsMustMatchEveryAnchor() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate, t.root])
        let good = AnchorSelector(profile: debian, pins: [t.root.sha256.uppercased()])
        #expect(try good.select(from: chain, now: TestChain.now).get() == [t.root])
        let bad = AnchorSelector(profile: debian, pins: [t.intermediate.sha256])
        guard case .failure(.pinMismatch) = bad.select(from: chain, now: TestChain.now) else {
            Issue.record("a wrong pin must refuse")
            return
        }
    }

    @Test func anExpiredRootIsRefused() throws {
        let t = try TestChain(rootExpired: true)
        guard case .failure(.expired) = AnchorSelector(profile: debian).select(from: try t.chain([t.leaf, t.intermediate, t.root]), now: TestChain.now) else {
            Issue.record("an expired anchor must be refused")
            return
        }
    }

    @Test func emptyChainIsRefused() throws {
        let chain = PeerChain(endpoint: try Endpoint(host: "x.test"), certificates: [])
        guard case .failure(.emptyChain) = AnchorSelector(profile: debian).select(from: chain, now: TestChain.now) else {
            Issue.record("expected emptyChain")
            return
        }
    }

    @Test func pemRoundTripsThroughTheParser() throws {
        let t = try TestChain()
        let chain = try t.chain([t.leaf, t.intermediate])
        let parsed = PEM.certificates(in: "junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + chain.pem)
        #expect(parsed == [t.leaf.der, t.intermediate.der])
        #expect(chain.pem.split(separator: "\n").allSatisfy { $0.count <= 64 })
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
