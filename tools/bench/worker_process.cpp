#include "tools/bench/worker_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/error.h"

namespace gyre::bench {

std::string self_executable() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

std::string run_worker_process(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& environment) {
  int pipe_ends[2];
  GYRE_CHECK(::pipe(pipe_ends) == 0, Error, "cannot create a pipe for ", argv[0]);
  const pid_t child = ::fork();
  GYRE_CHECK(child >= 0, Error, "cannot fork ", argv[0]);
  if (child == 0) {
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    ::close(pipe_ends[0]);
    ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> arguments;
    for (const std::string& argument : argv)
      arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);
    ::execv(arguments[0], arguments.data());
    std::_Exit(127);
  }
  ::close(pipe_ends[1]);
  std::string output;
  char buffer[4096];
  ssize_t count;
  while ((count = ::read(pipe_ends[0], buffer, sizeof(buffer))) > 0)
    output.append(buffer, static_cast<std::size_t>(count));
  ::close(pipe_ends[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  GYRE_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, Error, argv[0], " failed (status ",
             status, "): ", output);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  const auto newline = output.rfind('\n');
  return newline == std::string::npos ? output : output.substr(newline + 1);
}

}  // namespace gyre::bench
