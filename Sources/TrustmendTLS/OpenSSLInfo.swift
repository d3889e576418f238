import TrustmendCore
import TrustmendPlatform

/// The OpenSSL library in use.
public enum OpenSSLInfo {
    public static var version: String { OpenSSLCalls.version }
}
