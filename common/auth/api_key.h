#pragma once
// API keys of the HTTP gateway's integrations. A key is 32 random bytes written as 64 lowercase
// hex characters and shown once; ref stores only its SHA-256 (hex). A plain hash suffices because
// the keys are random, not chosen by people: there is nothing to guess from a dictionary.

#include <string>
#include <string_view>

namespace ducha::auth {

// A fresh key from libsodium's CSPRNG.
std::string GenerateApiKey();
// SHA-256 of the key, 64 lowercase hex characters.
std::string HashApiKey(std::string_view api_key);
// 64 lowercase hex characters: the shape of a key and of its hash.
bool LooksLikeApiKey(std::string_view s);

}  // namespace ducha::auth
