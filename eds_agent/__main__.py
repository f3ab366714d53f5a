"""``python3 -m eds_agent``: the agent as a desktop program (the packaged ``eds-agent`` runs this).

On its first start it does what ``install`` does (trust, autostart) unless that is done.
"""

from eds_agent.command import agent

if __name__ == "__main__":
    agent.main(prog_name="eds-agent", default_map={"install_if_needed": True})
