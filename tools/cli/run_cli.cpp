#include "tools/cli/run_cli.h"

#include <exception>
#include <iostream>

#include "runtime/error.h"

namespace gyre::cli {

int run_cli(CLI::App& app, int argc, const char* const* argv, std::ostream& errors) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error, std::cout, errors);  // --help and --version go to stdout
  } catch (const gyre::Error& error) {
    errors << "gyre: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {  // a library's, or a bug: still a clean exit
    errors << "gyre: internal error: " << error.what()
           << " (please report it with the command that caused it)\n";
    return 1;
  } catch (...) {
    errors << "gyre: internal error: an exception that is not a std::exception (please report "
              "it with the command that caused it)\n";
    return 1;
  }
  return 0;
}

}  // namespace gyre::cli
