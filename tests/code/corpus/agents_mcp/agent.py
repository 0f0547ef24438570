"""A repo assistant: an OpenAI agent with the GitHub MCP server, and a Claude agent for code review."""
import asyncio

from agents import Agent, Runner
from agents.mcp import MCPServerStdio
from claude_agent_sdk import ClaudeAgentOptions, query
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

FILES = StdioServerParameters(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv/repos"])


async def read_changelog() -> str:
    async with stdio_client(FILES) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("read_file", arguments={"path": "/srv/repos/app/CHANGELOG.md"})
        return result.content[0].text


async def triage_issues() -> str:
    async with MCPServerStdio(params={"command": "docker", "args": ["run", "-i", "ghcr.io/github/github-mcp-server"]},
                              name="github") as github:
        agent = Agent(name="triager", instructions="Label new issues.", model="gpt-4.1", mcp_servers=[github])
        notes = await read_changelog()
        result = await Runner.run(agent, f"Use these release notes:\n{notes}")
        return result.final_output


async def review(diff: str) -> None:
    options = ClaudeAgentOptions(model="claude-sonnet-4-5", allowed_tools=["Read", "Grep"])
    async for message in query(prompt=f"Review this diff:\n{diff}", options=options):
        print(message)


if __name__ == "__main__":
    asyncio.run(triage_issues())
